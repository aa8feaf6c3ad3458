/**
 * Crash-test worker of the processor profiles of the matrix: opens the directory, attaches the
 * processor of `test/processors/crash-workload.ts` (at-least-once, or exactly-once through
 * `ctx.commit`) and emits `work` events with {@link PRODUCERS} commits in flight, reporting each
 * acknowledged emit (key and seq) and each handled batch over IPC until it is killed.
 *
 * argv: dataDir cycle mode
 *
 * A handled batch is reported before the handler returns (the IPC write completes first), so
 * every event a persisted checkpoint covers was reported to the harness.
 */
// Engine modules directly, not src/index: the public entry also loads NestJS (~0.5 s per spawn).
import { AedbInstance } from '../../src/aedb-instance';
import { attach, crashHandler, prepare, TOPIC, type CrashMode } from '../processors/crash-workload';
import { PROCESSOR_CRASH_CONFIG, type ProcessorAck } from './processor-matrix-config';
import { ackReporter } from './ack-reporter';

/** Emits in flight. */
const PRODUCERS = 16;

const [dir, cycleArg, modeArg] = process.argv.slice(2);
const cycle = Number(cycleArg);
const mode = modeArg as CrashMode;

function send(acks: ProcessorAck[]): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) return resolve();
    process.send({ type: 'acks', acks }, (err: Error | null) =>
      err === null ? resolve() : reject(err),
    );
  });
}

const reportEmit = ackReporter<ProcessorAck>((batch) => void send(batch));

async function main(): Promise<void> {
  const db = await AedbInstance.open(dir, PROCESSOR_CRASH_CONFIG);
  await prepare(db);
  await attach(
    db,
    crashHandler(mode, (keys) => send([{ handled: keys }])),
  );
  process.send?.({ type: 'ready' });
  let next = 0;
  const producer = async (): Promise<void> => {
    for (;;) {
      const key = `c${cycle}-${next++}`;
      const { commitSeq } = await db.emitEvent(
        'crash',
        'app',
        TOPIC,
        key,
        JSON.stringify({ cycle }),
      );
      reportEmit({ emitted: key, seq: commitSeq });
    }
  };
  for (let k = 0; k < PRODUCERS; k++) void producer();
}

main().catch((err: unknown) => {
  process.send?.({ type: 'error', message: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
});
