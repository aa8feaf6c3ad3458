/**
 * Child process of lock.spec.ts (run with `node -r @swc-node/register`).
 *
 *   lock-child.ts try <dir>   open <dir>, print {"ok":true} or {"ok":false,code,message}, exit
 *   lock-child.ts hold <dir>  open <dir> (full durability), commit a KV entry, print
 *                             {"ready":true,"pid":...,"seq":...}, then stay alive until killed
 *
 * Every message is one JSON line on stdout.
 */
// Engine modules directly, not src/index: the public entry also loads NestJS (~0.5 s per spawn).
import { AedbInstance } from '../../../src/aedb-instance';
import { isAedbError } from '../../../src/storage/errors';

async function main(): Promise<void> {
  const [mode, dir] = process.argv.slice(2);
  if (mode === 'try') {
    try {
      const db = await AedbInstance.open(dir, { durabilityMode: 'os' });
      process.stdout.write(JSON.stringify({ ok: true }) + '\n');
      await db.close();
    } catch (err) {
      process.stdout.write(
        JSON.stringify({
          ok: false,
          code: isAedbError(err) ? err.code : undefined,
          message: err instanceof Error ? err.message : String(err),
        }) + '\n',
      );
    }
    return;
  }
  if (mode === 'hold') {
    const db = await AedbInstance.open(dir, { durabilityMode: 'full' });
    await db.createProject('child', { ifNotExists: true });
    await db.createScope('child', 's', { ifNotExists: true });
    const r = await db.kvSet('child', 's', 'pid', String(process.pid));
    process.stdout.write(
      JSON.stringify({ ready: true, pid: process.pid, seq: r.commitSeq }) + '\n',
    );
    // Keep the instance (and its lock) until the parent kills this process.
    setInterval(() => undefined, 1_000);
    return;
  }
  throw new Error(`lock-child: unknown mode ${String(mode)}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
