/**
 * Model-based property test: random sequences of DDL (projects, scopes, tables, columns,
 * indexes), inserts, upserts, `updateFields`, deletes, KV writes, multi-mutation commits (some
 * failing part way: they must change nothing), checkpoints, close/reopen, queries (primary-key
 * points and ranges, index equality, scans with filter, order, limit and offset), KV reads and
 * `atSeq` / `atCheckpoint` snapshots run against the engine (`os` durability) and against the
 * reference model in `model/`. Every read is compared, and the complete visible state after
 * every write. A failure shrinks to a minimal command sequence, printed one command per step.
 *
 * Runs: `AEDB_PROPERTY_RUNS` (default 250).
 */
import fc from 'fast-check';
import { AedbInstance } from '../../src/index';
import { recordReliability } from '../support/reliability-stats';
import { removeTempDir } from '../support/temp-dir';
import { makeFastTempDir } from './fast-temp';
import {
  BOOTSTRAP,
  CommitCmd,
  OUTCOMES,
  commandArbs,
  engineConfig,
  newModel,
  type Model,
  type Real,
} from './model/commands';

const RUNS = Number(process.env.AEDB_PROPERTY_RUNS ?? 250);
/** Replay a reported failure: the `seed`, `path` and `replayPath` fast-check printed. */
const REPLAY =
  process.env.AEDB_PROPERTY_SEED === undefined
    ? {}
    : { seed: Number(process.env.AEDB_PROPERTY_SEED), path: process.env.AEDB_PROPERTY_PATH };

describe('the engine against the reference model', () => {
  it(
    `agrees on ${RUNS} random command sequences`,
    async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.commands(commandArbs(), {
            maxCommands: 60,
            size: 'max',
            replayPath: process.env.AEDB_PROPERTY_REPLAY_PATH,
          }),
          async (cmds) => {
            runs++;
            const dir = makeFastTempDir('aedb-model-');
            const real: Real = { db: await AedbInstance.open(dir, engineConfig(true)), dir };
            try {
              const setup = async (): Promise<{ model: Model; real: Real }> => {
                const model = newModel();
                await new CommitCmd(BOOTSTRAP).run(model, real);
                return { model, real };
              };
              await fc.asyncModelRun(setup, cmds);
            } finally {
              await real.db.close().catch(() => undefined);
              removeTempDir(dir);
            }
          },
        ),
        { numRuns: RUNS, endOnFailure: false, ...REPLAY },
      );
      recordReliability('model-based property', { propertyRuns: runs });
      // Evidence that the interesting outcomes happen (each one was predicted by the model).
      const outcomes = [...OUTCOMES].sort((a, b) => (a[0] < b[0] ? -1 : 1));
      process.stdout.write(
        `model property: ${runs} sequences; outcomes ${outcomes.map(([k, n]) => `${k} ${n}`).join(', ')}\n`,
      );
    },
    Math.max(600_000, RUNS * 2_000),
  );
});
