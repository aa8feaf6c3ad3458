/**
 * A frozen, compiled copy of the code for one run.
 *
 * - Frozen: the engine's sources change while a full run (tens of minutes) is under way — other
 *   work lands in the same checkout — so the runner copies `src/` and `bench/` once at start and
 *   every child runs that copy: every engine and every repetition measure the same aedb.
 * - Compiled: each file is transpiled once with SWC (the options `@swc-node/register` derives
 *   from tsconfig.json), so a child starts with plain `node child.js` instead of transpiling the
 *   whole engine again (seconds per child on a loaded 2-core machine).
 */
import { transformFileSync, type Options } from '@swc/core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTempDir } from './temp-dir';

/** Where the frozen copy is. */
export interface CodeSnapshot {
  readonly root: string;
  /** The child entry point inside the copy. */
  readonly childScript: string;
}

const REPO = path.join(__dirname, '..', '..');

const SWC_OPTIONS: Options = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
  },
  module: { type: 'commonjs', noInterop: false },
  isModule: true,
  sourceMaps: false,
  swcrc: false,
};

function compileTree(from: string, to: string, skip: (rel: string) => boolean, base = from): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    if (skip(path.relative(base, src))) continue;
    if (entry.isDirectory()) {
      compileTree(src, path.join(to, entry.name), skip, base);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const out = transformFileSync(src, { ...SWC_OPTIONS, filename: src });
      fs.writeFileSync(path.join(to, entry.name.replace(/\.ts$/, '.js')), out.code);
    } else if (entry.isFile()) {
      fs.copyFileSync(src, path.join(to, entry.name));
    }
  }
}

/** Compile `src/` and `bench/` (without results and micro-benchmarks); link `node_modules`. */
export function snapshotCode(): CodeSnapshot {
  const root = makeTempDir('code');
  compileTree(path.join(REPO, 'src'), path.join(root, 'src'), () => false);
  compileTree(
    path.join(REPO, 'bench'),
    path.join(root, 'bench'),
    (rel) => rel.startsWith('results') || rel.startsWith('micro'),
  );
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(root, 'package.json'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return { root, childScript: path.join(root, 'bench', 'child.js') };
}
