/** Data directories under `os.tmpdir()`, removed after use. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh directory `os.tmpdir()/aedb-bench-<prefix>-XXXXXX`. */
export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `aedb-bench-${prefix}-`));
}

/** Remove a directory tree; missing is fine. */
export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Total size in bytes of the files under `dir`. */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(p);
    else if (entry.isFile()) total += fs.statSync(p).size;
  }
  return total;
}
