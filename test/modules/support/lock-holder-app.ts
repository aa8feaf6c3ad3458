/**
 * A child process for the lifecycle suite: a NestJS application context with AedbModule on
 * `argv[2]` and shutdown hooks enabled. Prints `ready <pid>` once initialized; SIGTERM shuts it
 * down through the module's hooks (processors stopped, commits drained, lock released).
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AedbModule, AedbService } from '../../../src/index';

@Module({ imports: [AedbModule.forRoot({ dataDir: process.argv[2] })] })
class LockHolderModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(LockHolderModule, { logger: false });
  app.enableShutdownHooks();
  const aedb = app.get(AedbService);
  await aedb.createProject('held', { ifNotExists: true });
  // An application context has no server keeping the process alive; this timer does, until
  // SIGTERM runs the shutdown hooks and Nest re-raises the signal.
  setInterval(() => undefined, 60_000);
  process.stdout.write(`ready ${process.pid}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
