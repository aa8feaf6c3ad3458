/**
 * Lifecycle: crash recovery finishes before the application initializes (and is logged), a
 * clean shutdown drains, syncs, checkpoints and releases the directory lock (reopening in the
 * same process works), a second application on a held directory fails at startup naming the
 * holder's pid, and SIGTERM with enableShutdownHooks() runs the same clean shutdown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AedbInstance, AedbModule, AedbService, LockedError } from '../../src/index';
import { RecordingLogger, rejectionOf, useNestFixture } from './support/nest-fixture';

/** Records what the database looked like when the first init hook of the app ran. */
@Injectable()
class InitProbe implements OnModuleInit {
  static seenAtInit: { recoveredSeq: number; value: string | undefined } | undefined;

  constructor(private readonly aedb: AedbService) {}

  async onModuleInit(): Promise<void> {
    const entry = await this.aedb.kvGet('p', 's', 'k9');
    InitProbe.seenAtInit = {
      recoveredSeq: this.aedb.recoveryReport.recoveredSeq,
      value: entry === undefined ? undefined : Buffer.from(entry.value).toString(),
    };
  }
}

/** Write `n` KV commits with a raw instance and close it without a final checkpoint. */
async function prepare(dir: string, n: number): Promise<number> {
  const db = await AedbInstance.open(dir, { durabilityMode: 'os', checkpointOnClose: false });
  await db.createProject('p');
  await db.createScope('p', 's');
  let seq = 0;
  for (let i = 0; i < n; i++) seq = (await db.kvSet('p', 's', `k${i}`, `v${i}`)).commitSeq;
  await db.close();
  return seq;
}

describe('AedbModule lifecycle', () => {
  const nest = useNestFixture();

  it('finishes crash recovery before init() resolves and logs the report', async () => {
    const dir = nest.dir();
    const last = await prepare(dir, 10);
    InitProbe.seenAtInit = undefined;
    const logger = new RecordingLogger();

    const app = await nest.create(
      { imports: [AedbModule.forRoot({ dataDir: dir })], providers: [InitProbe] },
      logger,
    );
    // The instance provider is async: creating the application already awaited recovery.
    const aedb = app.get(AedbService);
    expect(aedb.recoveryReport).toMatchObject({ recoveredSeq: last, framesReplayed: last });
    await app.init();
    expect(InitProbe.seenAtInit).toEqual({ recoveredSeq: last, value: 'v9' });
    expect(logger.aedb('log')[0]).toMatch(
      new RegExp(
        `^Opened ${dir} \\(instance "default"\\): recovered to seq ${last} in [0-9.]+ ms \\(no checkpoint, ${last} WAL frames replayed\\)$`,
      ),
    );
  });

  it('closes cleanly on app.close(): lock released, checkpoint written, data reopens in-process', async () => {
    const dir = nest.dir();
    const logger = new RecordingLogger();
    const app = await nest.start({ imports: [AedbModule.forRoot({ dataDir: dir })] }, logger);
    const aedb = app.get(AedbService);
    await aedb.createProject('p');
    await aedb.createScope('p', 's');
    // Queued commits are drained by close(): do not await them before closing.
    const pending = [1, 2, 3].map((i) =>
      aedb.kvSet('p', 's', `q${i}`, 'x', { finality: 'visible' }),
    );
    await app.close();
    const results = await Promise.all(pending);
    expect(aedb.closed).toBe(true);
    expect(logger.aedb('log')).toContain(`Closed ${dir} (instance "default")`);

    const reopened = await AedbInstance.open(dir);
    try {
      expect(reopened.recoveryReport.checkpoint?.seq).toBe(results[2].commitSeq);
      expect(reopened.recoveryReport.framesReplayed).toBe(0);
      expect((await reopened.kvScanPrefix('p', 's', 'q')).entries).toHaveLength(3);
    } finally {
      await reopened.close();
    }
  });

  it('skips the shutdown checkpoint with checkpointOnShutdown: false (the WAL has everything)', async () => {
    const dir = nest.dir();
    const app = await nest.start({
      imports: [AedbModule.forRoot({ dataDir: dir, checkpointOnShutdown: false })],
    });
    const { commitSeq } = await app.get(AedbService).createProject('p');
    await app.close();
    const reopened = await AedbInstance.open(dir);
    try {
      expect(reopened.recoveryReport.checkpoint).toBeUndefined();
      expect(reopened.recoveryReport.recoveredSeq).toBe(commitSeq);
    } finally {
      await reopened.close();
    }
  });

  it('fails a second application on the same directory in this process', async () => {
    const dir = nest.dir();
    await nest.start({ imports: [AedbModule.forRoot({ dataDir: dir })] });
    const err = await rejectionOf(nest.start({ imports: [AedbModule.forRoot({ dataDir: dir })] }));
    expect(err).toBeInstanceOf(LockedError);
    expect(err.message).toContain(`is already open in this process (pid ${process.pid})`);
  });

  describe('with the directory held by another process', () => {
    let child: ChildProcess | undefined;
    afterEach(() => {
      if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    it("fails startup naming the holder's pid; SIGTERM shuts the holder down cleanly", async () => {
      const dir = nest.dir();
      child = spawn(
        process.execPath,
        ['-r', '@swc-node/register', path.join(__dirname, 'support/lock-holder-app.ts'), dir],
        { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const holder = child;
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) resolve();
        });
        holder.on('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
      });

      const err = await rejectionOf(
        nest.start({ imports: [AedbModule.forRoot({ dataDir: dir })] }),
      );
      expect(err).toBeInstanceOf(LockedError);
      expect(err.message).toContain(`is locked by process ${holder.pid} on `);

      const exited = new Promise((resolve) => holder.on('exit', (_c, signal) => resolve(signal)));
      holder.kill('SIGTERM');
      expect(await exited).toBe('SIGTERM');

      // The holder's shutdown hooks released the lock and wrote a final checkpoint.
      const app = await nest.start({ imports: [AedbModule.forRoot({ dataDir: dir })] });
      const aedb = app.get(AedbService);
      expect(await aedb.listProjects()).toEqual(['held']);
      expect(aedb.recoveryReport.checkpoint).toBeDefined();
      expect(aedb.recoveryReport.framesReplayed).toBe(0);
    });
  });
});
