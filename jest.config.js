/**
 * Jest runs TypeScript through SWC (no type checks here: `npm test` runs `tsc --noEmit` first).
 * `@nestjs/*` and `@noble/*` publish ESM-only builds in their newest majors, so they are
 * transformed too instead of being ignored like the rest of node_modules.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@noble|uid|load-esm)/)'],
  testTimeout: 60000,
  // Crash and stress suites spawn child processes; keep one heavy suite per worker.
  maxWorkers: 2,
};
