/** A fresh sub-directory of the runner's data directory for each store a phase opens. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Create (empty) and return `dir/name`. */
export function storeDir(dir: string, name: string): string {
  const p = path.join(dir, name.replace(/[^A-Za-z0-9_-]/g, '_'));
  fs.rmSync(p, { recursive: true, force: true });
  fs.mkdirSync(p, { recursive: true });
  return p;
}
