/**
 * Corruption matrix at the level of a real data directory (the WAL and checkpoint modules have
 * byte-level suites of their own; this one goes through `AedbInstance.open` and
 * `verifyDatabase`). Every trial damages a fresh copy of a database written while a reference
 * log recorded the exact state after each commit, then opens it:
 *
 * - a torn tail (truncation inside the last frames) is cut and reported, in both modes;
 * - any other damage: `strict` fails with a `CorruptionError` naming the file and the offset;
 *   `permissive` keeps the valid prefix and reports what it dropped (a wrong HMAC key, or a
 *   foreign format, fails in both modes);
 * - a damaged checkpoint is skipped for an older one plus the WAL; with no checkpoint left, a
 *   WAL that still starts at seq 1 recovers everything, a pruned one fails clearly;
 * - never a TypeError, RangeError or any other non-AedbError, and never silently wrong data:
 *   whatever opens shows exactly the reference state at its recovered seq, and loses nothing
 *   without saying so. After a permissive open the directory passes `verifyDatabase`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CorruptionError, verifyDatabase, type AedbConfigInput } from '../../src/index';
import { recordReliability } from '../support/reliability-stats';
import { removeTempDir } from '../support/temp-dir';
import {
  diffStates,
  frameSpans,
  namesFileAndOffset,
  readState,
  restore,
  segmentNames,
  tryOpen,
  writePristine,
  type Pristine,
} from './corruption-fixture';
import { makeFastTempDir } from './fast-temp';

const KEY = Buffer.alloc(32, 5);
/** Segments of about a dozen frames, so that a middle segment can go missing. */
const WAL_ONLY: AedbConfigInput = { maxSegmentBytes: 1200 };
const CHAINED: AedbConfigInput = { maxSegmentBytes: 1200, hashChain: true, hmacKey: KEY };
const SINGLE: AedbConfigInput = { hashChain: true, hmacKey: KEY };

let work: string;
let tried = 0;
beforeAll(() => {
  work = makeFastTempDir();
});
afterAll(() => {
  removeTempDir(work);
  recordReliability('corruption matrix', { corruptionsTried: tried });
});

/** A deterministic sample of `n` distinct integers in [lo, hi). */
function sample(n: number, lo: number, hi: number, seed: number): number[] {
  const out = new Set<number>();
  let x = seed;
  while (out.size < Math.min(n, hi - lo)) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.add(lo + (x % (hi - lo)));
  }
  return [...out].sort((a, b) => a - b);
}

/** The trial directory, freshly restored from `pristine` and then damaged by `damage`. */
function damaged(pristine: Pristine, damage: (dir: string) => void): string {
  const dir = path.join(work, 'trial');
  restore(dir, pristine.files);
  damage(dir);
  tried++;
  return dir;
}

/** Snapshot of every file under `dir` (relative path -> base64), to prove nothing changed. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sub of ['wal', 'checkpoints', 'quarantine']) {
    const d = path.join(dir, sub);
    if (!fs.existsSync(d)) continue;
    for (const name of fs.readdirSync(d))
      out[`${sub}/${name}`] = fs.readFileSync(path.join(d, name)).toString('base64');
  }
  return out;
}

/**
 * Open `dir` in `mode` and judge the outcome; returns problems (empty when all is well).
 * `allowed`: what the damage may produce — `'ok'` (opens, nothing to report), `'torn'` (cut and
 * reported, opens in both modes), `'corrupt'` (strict fails naming the file; permissive keeps a
 * prefix and reports the drop), `'fatal'` (fails in every mode). Whatever opens must show the
 * reference state at its recovered seq, and may lose the seqs after `keptSeq` only with a report.
 */
async function judge(
  dir: string,
  config: AedbConfigInput,
  pristine: Pristine,
  trial: string,
  mode: 'strict' | 'permissive',
  allowed: readonly ('ok' | 'torn' | 'corrupt' | 'fatal')[],
  damagedFile?: string,
  keptSeq = pristine.lastSeq,
): Promise<string[]> {
  const problems: string[] = [];
  const before = contents(dir);
  const outcome = await tryOpen(dir, { ...config, recoveryMode: mode }, trial);
  if ('error' in outcome) {
    const err = outcome.error;
    const fatal = err.details.fatal === true;
    const acceptable =
      err instanceof CorruptionError &&
      namesFileAndOffset(err, damagedFile) &&
      ((mode === 'strict' && allowed.includes('corrupt')) || (fatal && allowed.includes('fatal')));
    if (!acceptable) problems.push(`${trial} (${mode}): unexpected ${err.code}: ${err.message}`);
    const after = contents(dir);
    if (JSON.stringify(after) !== JSON.stringify(before))
      problems.push(`${trial} (${mode}): a failed open changed the directory`);
    return problems;
  }
  const { db } = outcome;
  try {
    const report = db.recoveryReport;
    const seq = report.recoveredSeq;
    const diff = diffStates(readState(db), pristine.states[seq]);
    if (diff !== undefined) problems.push(`${trial} (${mode}) at seq ${seq}: ${diff}`);
    const reported = report.tornTail !== undefined || report.dropped !== undefined;
    if (seq < keptSeq && !reported)
      problems.push(`${trial} (${mode}): seqs ${seq + 1}..${keptSeq} lost silently`);
    if (report.tornTail !== undefined && !allowed.includes('torn'))
      problems.push(`${trial} (${mode}): unexpected torn tail ${JSON.stringify(report.tornTail)}`);
    if (report.dropped !== undefined && !(mode === 'permissive' && allowed.includes('corrupt'))) {
      problems.push(`${trial} (${mode}): unexpected drop ${JSON.stringify(report.dropped)}`);
    }
    if (!reported && !allowed.includes('ok'))
      problems.push(`${trial} (${mode}): the damage went unnoticed`);
  } finally {
    await db.close();
  }
  if (problems.length === 0) {
    // Whatever recovery cut or quarantined, the directory it leaves is sound.
    const report = await verifyDatabase(dir, {
      hashChain: config.hashChain,
      hmacKey: config.hmacKey,
    });
    if (!report.ok)
      problems.push(
        `${trial} (${mode}): verify after open: ${JSON.stringify(report.checks.filter((c) => !c.ok))}`,
      );
  }
  return problems;
}

describe('WAL damage in a real directory', () => {
  let pristine: Pristine;
  let lastSegment: string;
  beforeAll(async () => {
    const dir = path.join(work, 'wal-only');
    pristine = await writePristine(dir, WAL_ONLY, 60);
    const segments = segmentNames(pristine.files);
    expect(segments.length).toBeGreaterThan(4);
    lastSegment = segments[segments.length - 1];
    expect(frameSpans(pristine.files.get(lastSegment) as Buffer).length).toBeGreaterThanOrEqual(3);
  });

  it('a truncation anywhere in the last 3 frames is a torn tail: cut, reported, the rest exact', async () => {
    const bytes = pristine.files.get(lastSegment) as Buffer;
    const frames = frameSpans(bytes);
    const from = frames[frames.length - 3].start;
    const problems: string[] = [];
    for (let cut = from; cut < bytes.length; cut++) {
      const dir = damaged(pristine, (d) => fs.truncateSync(path.join(d, lastSegment), cut));
      const complete = frames.filter((f) => f.end <= cut);
      const expectedSeq =
        complete.length > 0 ? complete[complete.length - 1].seq : frames[0].seq - 1;
      const boundary = frames.some((f) => f.end === cut) || cut === frames[0].start;
      const before = problems.length;
      problems.push(
        ...(await judge(
          dir,
          WAL_ONLY,
          pristine,
          `truncate at ${cut}`,
          'strict',
          boundary ? ['ok'] : ['torn'],
          undefined,
          expectedSeq,
        )),
      );
      if (problems.length === before) {
        const again = await tryOpen(dir, WAL_ONLY, 'reopen');
        if ('error' in again)
          problems.push(
            `truncate at ${cut}: the repaired log does not reopen: ${again.error.message}`,
          );
        else {
          if (again.db.recoveryReport.recoveredSeq !== expectedSeq)
            problems.push(
              `truncate at ${cut}: recovered ${again.db.recoveryReport.recoveredSeq}, expected ${expectedSeq}`,
            );
          if (again.db.recoveryReport.tornTail !== undefined)
            problems.push(`truncate at ${cut}: torn tail reported twice`);
          await again.db.close();
        }
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it('a flipped bit anywhere in the last frames, the segment headers and a sample elsewhere is never silent', async () => {
    const segments = segmentNames(pristine.files);
    const last = pristine.files.get(lastSegment) as Buffer;
    const frames = frameSpans(last);
    const targets: [file: string, offset: number][] = [];
    for (let o = frames[frames.length - 3].start; o < last.length; o++)
      targets.push([lastSegment, o]);
    for (const seg of segments)
      for (const o of sample(12, 0, 80, seg.length)) targets.push([seg, o]);
    for (const [i, seg] of segments.slice(0, -1).entries()) {
      const size = (pristine.files.get(seg) as Buffer).length;
      for (const o of sample(25, 80, size, 7 + i)) targets.push([seg, o]);
    }
    const problems: string[] = [];
    for (const [seg, offset] of targets) {
      const flip = (d: string): void => {
        const file = path.join(d, seg);
        const bytes = fs.readFileSync(file);
        bytes[offset] ^= 1 << (offset % 8);
        fs.writeFileSync(file, bytes);
      };
      const isLast = seg === lastSegment;
      const trial = `bit ${offset % 8} of byte ${offset} in ${seg}`;
      // A damaged length field of a last-segment frame can point past the end: a torn tail.
      const allowed = isLast
        ? (['torn', 'corrupt', 'fatal'] as const)
        : (['corrupt', 'fatal'] as const);
      for (const mode of ['strict', 'permissive'] as const) {
        const dir = damaged(pristine, flip);
        problems.push(
          ...(await judge(dir, WAL_ONLY, pristine, trial, mode, allowed, path.join(dir, seg))),
        );
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(targets.length).toBeGreaterThan(300);
  });

  it('a deleted middle segment: strict names the gap, permissive keeps the prefix before it', async () => {
    const segments = segmentNames(pristine.files);
    const gone = segments[2];
    const next = segments[3];
    const problems: string[] = [];
    for (const mode of ['strict', 'permissive'] as const) {
      const dir = damaged(pristine, (d) => fs.rmSync(path.join(d, gone)));
      problems.push(
        ...(await judge(
          dir,
          WAL_ONLY,
          pristine,
          `delete ${gone}`,
          mode,
          ['corrupt'],
          path.join(dir, next),
        )),
      );
    }
    expect(problems).toEqual([]);
    const dir = damaged(pristine, (d) => fs.rmSync(path.join(d, gone)));
    const outcome = await tryOpen(dir, WAL_ONLY, 'strict message');
    expect('error' in outcome && outcome.error.message).toMatch(
      /seq \d+ was expected \(missing, extra or reordered segment\)/,
    );
  });

  it('two swapped segments: strict fails naming the first, permissive keeps the prefix', async () => {
    const segments = segmentNames(pristine.files);
    const [x, y] = [segments[1], segments[3]];
    const swap = (d: string): void => {
      const bx = fs.readFileSync(path.join(d, x));
      fs.writeFileSync(path.join(d, x), fs.readFileSync(path.join(d, y)));
      fs.writeFileSync(path.join(d, y), bx);
    };
    const problems: string[] = [];
    for (const mode of ['strict', 'permissive'] as const) {
      const dir = damaged(pristine, swap);
      problems.push(
        ...(await judge(
          dir,
          WAL_ONLY,
          pristine,
          `swap ${x} ${y}`,
          mode,
          ['corrupt'],
          path.join(dir, x),
        )),
      );
    }
    expect(problems).toEqual([]);
  });
});

describe('authenticated logs and checkpoints', () => {
  /** One segment (never pruned), checkpoints after commits 20 and 40. */
  let single: Pristine;
  /** Small segments: the checkpoints let the engine prune the WAL before the older one. */
  let pruned: Pristine;
  beforeAll(async () => {
    single = await writePristine(path.join(work, 'single'), SINGLE, 60, [20, 40]);
    pruned = await writePristine(path.join(work, 'pruned'), CHAINED, 60, [20, 40]);
    expect(segmentNames(single.files)).toEqual(['wal/00000000000000000001.wal']);
    expect(segmentNames(pruned.files)[0]).not.toBe('wal/00000000000000000001.wal');
    for (const p of [single, pruned]) expect(checkpoints(p)).toHaveLength(2);
  });

  function checkpoints(p: Pristine): string[] {
    return [...p.files.keys()].filter((f) => f.endsWith('.ckpt')).sort();
  }

  it('opens intact, and a wrong HMAC key fails in both modes without touching a file', async () => {
    for (const [p, config] of [
      [single, SINGLE],
      [pruned, CHAINED],
    ] as const) {
      const dir = damaged(p, () => undefined);
      expect(await judge(dir, config, p, 'intact', 'strict', ['ok'])).toEqual([]);
      for (const mode of ['strict', 'permissive'] as const) {
        const trial = damaged(p, () => undefined);
        const before = contents(trial);
        const wrong = { ...config, hmacKey: Buffer.alloc(32, 6), recoveryMode: mode };
        const outcome = await tryOpen(trial, wrong, 'wrong key');
        expect('error' in outcome && outcome.error).toBeInstanceOf(CorruptionError);
        expect('error' in outcome && outcome.error.message).toMatch(/HMAC/);
        expect(contents(trial)).toEqual(before);
      }
    }
  });

  it('a corrupt newest checkpoint falls back to the older one plus the WAL, for flips and truncations', async () => {
    const [older, newest] = checkpoints(pruned);
    const size = (pruned.files.get(newest) as Buffer).length;
    const problems: string[] = [];
    const damages: [string, (d: string) => void][] = [];
    for (const o of [...sample(40, 0, size, 3), 0, 8, 16, 64, size - 1]) {
      damages.push([
        `flip byte ${o} of ${newest}`,
        (d) => {
          const bytes = fs.readFileSync(path.join(d, newest));
          bytes[o] ^= 0x80;
          fs.writeFileSync(path.join(d, newest), bytes);
        },
      ]);
    }
    for (const cut of [0, 10, 72, Math.floor(size / 2), size - 1]) {
      damages.push([
        `truncate ${newest} at ${cut}`,
        (d) => fs.truncateSync(path.join(d, newest), cut),
      ]);
    }
    for (const [trial, damage] of damages) {
      const dir = damaged(pruned, damage);
      const outcome = await tryOpen(dir, CHAINED, trial);
      if ('error' in outcome) {
        problems.push(`${trial}: ${outcome.error.message}`);
        continue;
      }
      const r = outcome.db.recoveryReport;
      if (r.checkpoint?.file !== path.join(dir, older))
        problems.push(`${trial}: recovered from ${r.checkpoint?.file}`);
      if (r.skippedCheckpoints.map((s) => s.file).join() !== path.join(dir, newest)) {
        problems.push(`${trial}: skipped ${JSON.stringify(r.skippedCheckpoints)}`);
      }
      const diff = diffStates(readState(outcome.db), pruned.states[pruned.lastSeq]);
      if (diff !== undefined || r.recoveredSeq !== pruned.lastSeq)
        problems.push(`${trial}: ${diff ?? r.recoveredSeq}`);
      await outcome.db.close();
      const verified = await verifyDatabase(dir, { hashChain: true, hmacKey: KEY });
      const failedChecks = verified.checks.filter((c) => !c.ok).map((c) => c.name);
      if (failedChecks.join() !== 'checkpoints')
        problems.push(`${trial}: verify failed ${failedChecks.join()}`);
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it('with every checkpoint corrupt, a WAL that starts at seq 1 recovers everything', async () => {
    const dir = damaged(single, (d) => {
      for (const c of checkpoints(single)) {
        const bytes = fs.readFileSync(path.join(d, c));
        bytes[bytes.length - 5] ^= 0x04;
        fs.writeFileSync(path.join(d, c), bytes);
      }
    });
    const outcome = await tryOpen(dir, SINGLE, 'all checkpoints corrupt');
    if ('error' in outcome) throw outcome.error;
    expect(outcome.db.recoveryReport.checkpoint).toBeUndefined();
    expect(outcome.db.recoveryReport.skippedCheckpoints).toHaveLength(2);
    expect(outcome.db.recoveryReport.recoveredSeq).toBe(single.lastSeq);
    expect(diffStates(readState(outcome.db), single.states[single.lastSeq])).toBeUndefined();
    await outcome.db.close();
  });

  it('with every checkpoint corrupt and the WAL pruned, both modes fail clearly and change nothing', async () => {
    const dir = damaged(pruned, (d) => {
      for (const c of checkpoints(pruned)) fs.truncateSync(path.join(d, c), 100);
    });
    const before = contents(dir);
    for (const mode of ['strict', 'permissive'] as const) {
      const outcome = await tryOpen(dir, { ...CHAINED, recoveryMode: mode }, 'pruned');
      expect('error' in outcome && outcome.error).toBeInstanceOf(CorruptionError);
      expect('error' in outcome && outcome.error.message).toMatch(
        /^no checkpoint verifies \(\d+\.ckpt, \d+\.ckpt; first failure: .*\) and the WAL starts at seq \d+, so seqs 1-\d+ cannot be recovered$/,
      );
      expect(contents(dir)).toEqual(before);
    }
  });
});
