import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { transformFileSync } from '@swc/core';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Transpile `src/` and `test/` to CommonJS in a temp directory, once per content hash, so that
 * crash tests can spawn worker processes with plain `node` (about 10x faster to start than
 * compiling TypeScript on the fly, which matters for hundreds of SIGKILL cycles).
 *
 * @returns the path of the compiled file that corresponds to `relativeTs` (e.g.
 * `test/crash/kv-crash-worker.ts`).
 */
export function compiledPath(relativeTs: string): string {
  const files = [...listTs(path.join(ROOT, 'src')), ...listTs(path.join(ROOT, 'test'))];
  const hash = crypto.createHash('sha256');
  for (const f of files) {
    hash.update(f);
    hash.update(fs.readFileSync(f));
  }
  const outDir = path.join(os.tmpdir(), `aedb-compiled-${hash.digest('hex').slice(0, 16)}`);
  const marker = path.join(outDir, '.complete');
  if (!fs.existsSync(marker)) {
    const staging = `${outDir}.${process.pid}.tmp`;
    fs.rmSync(staging, { recursive: true, force: true });
    for (const file of files) {
      const { code } = transformFileSync(file, {
        jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022' },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      });
      const out = path.join(staging, path.relative(ROOT, file)).replace(/\.ts$/, '.js');
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, code);
    }
    // Compiled files import packages; point their resolution at the project's node_modules.
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(staging, 'node_modules'));
    fs.writeFileSync(path.join(staging, '.complete'), '');
    try {
      fs.renameSync(staging, outDir);
    } catch {
      // Another jest worker won the race; its copy is identical.
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
  return path.join(outDir, relativeTs.replace(/\.ts$/, '.js'));
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out.sort();
}
