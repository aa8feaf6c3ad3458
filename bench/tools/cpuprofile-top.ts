/**
 * Summarize a V8 `.cpuprofile` (from `node --cpu-prof`, or `npm run bench -- --cpu-prof`):
 * the functions with the most self time and the most inclusive time, as shares of all samples.
 *
 *   node -r @swc-node/register bench/tools/cpuprofile-top.ts <file.cpuprofile> [top=25] [focus]
 *
 * `focus` keeps only the samples whose stack has a function of that name (e.g. `runTightSync`
 * for the measured loop of W5); shares are then relative to those samples. Line numbers are
 * those of the transpiled code (close to, not exactly, the source lines).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function label(f: CallFrame): string {
  // Children run a frozen copy of the code (aedb-bench-code-*): show repository-relative paths.
  const abs = f.url.replace(/^file:\/\//, '').replace(/^.*\/aedb-bench-code-[^/]+\//, '');
  const file = abs === '' ? '' : path.isAbsolute(abs) ? path.relative(process.cwd(), abs) : abs;
  return `${f.functionName || '(anonymous)'} ${file}${file === '' ? '' : `:${f.lineNumber + 1}`}`;
}

function main(): void {
  const [file, topArg, focus] = process.argv.slice(2);
  if (file === undefined) {
    throw new Error('usage: cpuprofile-top.ts <file.cpuprofile> [top] [focus]');
  }
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  const inFocus = (leafId: number): boolean => {
    if (focus === undefined) return true;
    for (let id: number | undefined = leafId; id !== undefined; id = parent.get(id)) {
      if (byId.get(id)?.callFrame.functionName === focus) return true;
    }
    return false;
  };
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    const leaf = byId.get(profile.samples[i]);
    if (leaf === undefined || !inFocus(leaf.id)) continue;
    total += dt;
    const leafLabel = label(leaf.callFrame);
    self.set(leafLabel, (self.get(leafLabel) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id);
      if (node === undefined) break;
      const l = label(node.callFrame);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + dt);
    }
  }
  const print = (title: string, m: Map<string, number>): void => {
    const scope = focus === undefined ? '' : ` under ${focus}`;
    process.stdout.write(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled${scope})\n`);
    const rows = [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [l, us] of rows) {
      process.stdout.write(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${l}\n`);
    }
  };
  print('self time', self);
  print('inclusive time', inclusive);
}

main();
