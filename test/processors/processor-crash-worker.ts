/**
 * Processor crash worker: opens the directory, attaches the processor (at-least-once or
 * exactly-once) and emits `work` events with 8 commits in flight, reporting acknowledged
 * emits and handled events to the parent over IPC, until it is killed with SIGKILL.
 *
 * argv: dataDir cycle mode
 */
// Engine modules directly, not src/index: the public entry also loads NestJS (~0.5 s per spawn).
import { AedbInstance } from '../../src/aedb-instance';
import { attach, crashHandler, prepare, TOPIC, type CrashMode } from './crash-workload';

const [dir, cycleArg, modeArg] = process.argv.slice(2);
const cycle = Number(cycleArg);
const mode = modeArg as CrashMode;

function send(message: object): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) return resolve();
    process.send(message, (err: Error | null) => (err === null ? resolve() : reject(err)));
  });
}

async function main(): Promise<void> {
  const db = await AedbInstance.open(dir, { durabilityMode: 'full' });
  await prepare(db);
  await attach(
    db,
    crashHandler(mode, (keys) => send({ type: 'handled', keys })),
  );
  await send({ type: 'ready' });
  let next = 0;
  const producer = async (): Promise<void> => {
    for (;;) {
      const key = `c${cycle}-${next++}`;
      await db.emitEvent('crash', 'app', TOPIC, key, JSON.stringify({ cycle }));
      await send({ type: 'emitted', key });
    }
  };
  for (let k = 0; k < 8; k++) void producer();
}

main().catch((err: unknown) => {
  void send({ type: 'error', message: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
});
