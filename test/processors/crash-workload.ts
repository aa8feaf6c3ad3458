/**
 * The workload of the processor SIGKILL test, shared by the child process and the final
 * in-process check: one processor on topic `work`, either at-least-once (acknowledges after the
 * handler reported the events) or exactly-once (a per-event counter incremented in the same
 * commit as the checkpoint, through `ctx.commit`).
 */
// Engine modules directly, not src/index: the public entry also loads NestJS (~0.5 s per spawn).
import type { AedbInstance } from '../../src/aedb-instance';
import type { ProcessorHandler } from '../../src/processors/processor-handler';
import type { Mutation } from '../../src/storage/mutation';
import { Expr } from '../../src/storage/query/expr';
import { Query } from '../../src/storage/query/query';

/** The two delivery modes under test. */
export type CrashMode = 'atLeastOnce' | 'exactlyOnce';

export const PROCESSOR = 'crash-proc';
export const TOPIC = 'work';

/** Small batches and frequent checkpoints, so kills land between and inside them. */
export const PROCESSOR_OPTIONS = Object.freeze({
  topicFilter: TOPIC,
  checkpointWatermarkCommits: 8,
  maxEventsPerRun: 16,
});

/** Create the namespace and the counter table (idempotent). */
export async function prepare(db: AedbInstance): Promise<void> {
  await db.createProject('crash', { ifNotExists: true });
  await db.createScope('crash', 'app', { ifNotExists: true });
  await db.createTable({
    projectId: 'crash',
    scopeId: 'app',
    tableName: 'counts',
    columns: [
      { name: 'event_key', type: 'text' },
      { name: 'n', type: 'integer' },
    ],
    primaryKey: ['event_key'],
    ifNotExists: true,
  });
}

/**
 * The handler of `mode`. `report(keys)` is awaited before the handler returns, so every event
 * covered by a checkpoint was reported first.
 */
export function crashHandler(
  mode: CrashMode,
  report: (keys: string[]) => Promise<void>,
): ProcessorHandler {
  return async (events, ctx) => {
    const keys = events.map((e) => e.eventKey);
    if (mode === 'atLeastOnce') {
      if (Math.random() < 0.3) await new Promise((r) => setTimeout(r, 2));
      await report(keys);
      return;
    }
    const snap = ctx.db.snapshot();
    const mutations: Mutation[] = keys.map((key) => {
      const row = snap.query(
        'crash',
        'app',
        Query.select('n').from('counts').where(Expr.eq('event_key', key)),
      ).rows[0];
      const n = row === undefined ? 1 : Number(row.n) + 1;
      return {
        type: 'upsert',
        projectId: 'crash',
        scopeId: 'app',
        tableName: 'counts',
        row: { event_key: key, n },
      };
    });
    await ctx.commit(mutations);
    await report(keys);
  };
}

/** Start the processor, or re-attach its handler when it is registered already. */
export async function attach(db: AedbInstance, handler: ProcessorHandler): Promise<void> {
  const registered = (await db.listReactiveProcessors()).some((p) => p.processorName === PROCESSOR);
  if (registered) await db.registerReactiveProcessorHandler(PROCESSOR, handler);
  else await db.startReactiveProcessor(PROCESSOR, PROCESSOR_OPTIONS, handler);
}
