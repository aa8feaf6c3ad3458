/**
 * The example application that `npm start` runs: a small ledger service on `./data` (or
 * `AEDB_DATA_DIR`), listening on `PORT` (default 3000). `AEDB_SECURE=1` requires a caller
 * (`x-caller-id`) on ledger routes. See README.md and docs/nestjs.md.
 */
import * as path from 'node:path';
import { createLedgerApp, ledgerBanner } from './ledger-app';

async function main(): Promise<void> {
  const dataDir = path.resolve(process.env.AEDB_DATA_DIR ?? './data');
  const port = Number(process.env.PORT ?? 3000);
  const app = await createLedgerApp({ dataDir, secure: process.env.AEDB_SECURE === '1' });
  // SIGTERM / SIGINT: stop processors, drain and sync commits, checkpoint, release the lock.
  app.enableShutdownHooks();
  await app.listen(port);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  console.log(`\n${ledgerBanner(url, dataDir)}\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
