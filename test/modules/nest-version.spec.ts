/**
 * Which NestJS the module suites run against: the installed devDependency (11) in `npm test`,
 * or the major that `npm run test:nest12` installs and maps in (`AEDB_EXPECT_NEST_MAJOR`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package.json of the package that `entry` (a resolved file) belongs to. */
function packageOf(entry: string, name: string): { version: string; dir: string } {
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version: string };
      if (pkg.name === name) return { version: pkg.version, dir };
    }
  }
  throw new Error(`no package.json of ${name} above ${entry}`);
}

describe('NestJS version under test', () => {
  it('is the expected major for @nestjs/common, core, testing and platform-express', () => {
    const root = JSON.parse(
      fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8'),
    ) as { devDependencies: Record<string, string> };
    const expected =
      process.env.AEDB_EXPECT_NEST_MAJOR ??
      /\d+/.exec(root.devDependencies['@nestjs/core'])?.[0] ??
      'unknown';
    for (const name of [
      '@nestjs/common',
      '@nestjs/core',
      '@nestjs/testing',
      '@nestjs/platform-express',
    ]) {
      const { version, dir } = packageOf(require.resolve(name), name);
      expect(`${name}@${version.split('.')[0]}`).toBe(`${name}@${expected}`);
      if (process.env.AEDB_NEST_PREFIX !== undefined) {
        expect(dir.startsWith(process.env.AEDB_NEST_PREFIX)).toBe(true);
      }
    }
  });
});
