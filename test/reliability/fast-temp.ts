/**
 * Temp directories for the reliability suites that open thousands of databases: on `/dev/shm`
 * (tmpfs, a real file system whose fsync costs nothing) when the machine has it, else under
 * `os.tmpdir()`. What these suites check is recovery logic, not the disk; the crash suites keep
 * using the real disk.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

function root(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

/** A fresh, empty directory on the fastest real file system available; the caller removes it. */
export function makeFastTempDir(prefix = 'aedb-rel-'): string {
  return fs.mkdtempSync(path.join(root(), prefix));
}
