/** Versions of the engines under test, read from their installed package.json. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The installed version of `pkg` (or `?` when it cannot be read). */
export function packageVersion(pkg: string): string {
  try {
    const file = path.join(process.cwd(), 'node_modules', pkg, 'package.json');
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (parsed !== null && typeof parsed === 'object' && 'version' in parsed) {
      return String(parsed.version);
    }
  } catch {
    // fall through
  }
  return '?';
}

/** The version of this repository's package (aedb itself). */
export function ownVersion(): string {
  try {
    const parsed: unknown = JSON.parse(
      fs.readFileSync(path.join(process.cwd(), 'package.json'), 'utf8'),
    );
    if (parsed !== null && typeof parsed === 'object' && 'version' in parsed) {
      return String(parsed.version);
    }
  } catch {
    // fall through
  }
  return '?';
}
