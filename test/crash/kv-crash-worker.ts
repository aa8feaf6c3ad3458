/**
 * Crash-test worker: opens a data directory and commits pairs of KV entries with many commits
 * in flight, reporting every acknowledged commit to the parent over IPC, until it is killed.
 *
 * argv: dataDir cycle profile inflight
 * Each commit writes `c<cycle>/<i>/a` and `c<cycle>/<i>/b` with the same value (so a partial
 * commit is detectable) with `finality: 'durable'` or, for every 4th commit in batch mode,
 * `finality: 'visible'` (may be lost, never partially).
 */
// Engine modules directly, not src/index: the public entry also loads NestJS (~0.5 s per spawn).
import { AedbInstance } from '../../src/aedb-instance';
import { crashConfig, type CrashProfile } from './crash-config';
import { ackReporter } from './ack-reporter';

const [dir, cycleArg, profileArg, inflightArg] = process.argv.slice(2);
const cycle = Number(cycleArg);
const profile = profileArg as CrashProfile;
const inflight = Number(inflightArg);

interface Ack {
  i: number;
  v: string;
  seq: number;
  durable: boolean;
}

const report = ackReporter<Ack>();

async function main(): Promise<void> {
  const db = await AedbInstance.open(dir, crashConfig(profile));
  await db.createProject('crash', { ifNotExists: true });
  await db.createScope('crash', 'kv', { ifNotExists: true });
  process.send?.({ type: 'ready', recoveredSeq: db.recoveryReport.recoveredSeq });
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      const v = `${cycle}:${i}:${Math.random().toString(36).slice(2, 10)}`.repeat(1 + (i % 5));
      const durable = profile !== 'batch' || i % 4 !== 0;
      const r = await db.commitMany(
        [
          { type: 'kvSet', projectId: 'crash', scopeId: 'kv', key: `c${cycle}/${i}/a`, value: v },
          { type: 'kvSet', projectId: 'crash', scopeId: 'kv', key: `c${cycle}/${i}/b`, value: v },
        ],
        { finality: durable ? 'durable' : 'visible' },
      );
      report({ i, v, seq: r.commitSeq, durable });
    }
  };
  for (let k = 0; k < inflight; k++) void worker();
}

main().catch((err: unknown) => {
  process.send?.({ type: 'error', message: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
});
