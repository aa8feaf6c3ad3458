/**
 * `npm run test:nest12`: run the NestJS suites (`test/modules`) against NestJS 12.
 *
 * The repository develops against NestJS 11 (devDependencies). This installs the 12 line of
 * `@nestjs/common`, `core`, `testing`, `platform-express` and `terminus` into a temp prefix
 * (cached across runs; `AEDB_NEST12_DIR` to choose it, `AEDB_NEST12_REINSTALL=1` to refresh),
 * then runs Jest with `moduleNameMapper` pointing every `@nestjs/*` import there. NestJS 12 is
 * ESM-only; the Jest config already lets SWC transform `@nestjs/*` to CommonJS. Shared
 * singletons (reflect-metadata, rxjs, class-validator, class-transformer) stay the project's.
 *
 * Child processes spawned by a suite (the lock holder of the lifecycle suite) run with plain
 * `node` and therefore load NestJS 11; everything in the Jest process uses 12.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const PREFIX = path.resolve(process.env.AEDB_NEST12_DIR ?? path.join(os.tmpdir(), 'aedb-nest12'));
const PACKAGES = ['common', 'core', 'testing', 'platform-express', 'terminus'];

function installedMajor(name: string): number | undefined {
  const file = path.join(PREFIX, 'node_modules', '@nestjs', name, 'package.json');
  if (!fs.existsSync(file)) return undefined;
  return Number(
    (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version.split('.')[0],
  );
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  console.log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (process.env.AEDB_NEST12_REINSTALL === '1' || PACKAGES.some((p) => installedMajor(p) !== 12)) {
  fs.mkdirSync(PREFIX, { recursive: true });
  run('npm', [
    'install',
    '--no-save',
    '--no-package-lock',
    '--no-audit',
    '--no-fund',
    '--prefix',
    PREFIX,
    ...PACKAGES.map((p) => `@nestjs/${p}@12`),
  ]);
}
const versions = PACKAGES.map((p) => {
  const file = path.join(PREFIX, 'node_modules', '@nestjs', p, 'package.json');
  return `@nestjs/${p}@${(JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version}`;
});
console.log(`NestJS under test: ${versions.join(', ')} (from ${PREFIX})`);

const base = createRequire(__filename)(path.join(ROOT, 'jest.config.js')) as Record<
  string,
  unknown
>;
const config = {
  ...base,
  rootDir: ROOT,
  moduleNameMapper: {
    [`^@nestjs/(${PACKAGES.join('|')})(/.*)?$`]: `${PREFIX}/node_modules/@nestjs/$1$2`,
    '^(reflect-metadata|rxjs|class-validator|class-transformer)(/.*)?$': `${ROOT}/node_modules/$1$2`,
  },
};
run(
  process.execPath,
  [
    path.join(ROOT, 'node_modules/jest/bin/jest.js'),
    '--config',
    JSON.stringify(config),
    ...(process.argv.length > 2 ? process.argv.slice(2) : ['test/modules']),
  ],
  { ...process.env, AEDB_EXPECT_NEST_MAJOR: '12', AEDB_NEST_PREFIX: PREFIX },
);
