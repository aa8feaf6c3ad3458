/**
 * @ReactiveProcessor(): discovery with dependency injection, exactly-once effects through
 * ctx.commit, error logging with retries and dead letters, resume from the checkpoint after a
 * restart (same options, changed options, paused), named instances, graceful shutdown, and
 * startup failures for misdeclared classes.
 */
import { Injectable, Scope, type Type } from '@nestjs/common';
import {
  AedbInstance,
  AedbModule,
  AedbService,
  InvalidReactiveProcessorError,
  NonRetryableProcessorError,
  Query,
  ReactiveProcessor,
  type AedbConfigInput,
  type OutboxEvent,
  type ProcessorHandlerContext,
  type ReactiveProcessorClass,
  type ReactiveProcessorHandler,
} from '../../src/index';
import { RecordingLogger, rejectionOf, useNestFixture, waitFor } from './support/nest-fixture';

const OS: AedbConfigInput = { durabilityMode: 'os' };

/** A provider the processors inject (DI check) that records what they saw. */
@Injectable()
class Scoreboard {
  static readonly seen: { processor: string; key: string; seq: number; attempt: number }[] = [];
  static gate: Promise<void> | undefined;
  static finished = 0;

  record(events: readonly OutboxEvent[], ctx: ProcessorHandlerContext): void {
    for (const e of events) {
      Scoreboard.seen.push({
        processor: ctx.processorName,
        key: e.eventKey,
        seq: e.commitSeq,
        attempt: ctx.attempt,
      });
    }
  }

  keys(processor: string): string[] {
    return Scoreboard.seen.filter((s) => s.processor === processor).map((s) => s.key);
  }
}

@ReactiveProcessor({ name: 'scores', topic: 'scored', checkpointWatermarkCommits: 1 })
class ScoresProcessor implements ReactiveProcessorHandler {
  constructor(private readonly board: Scoreboard) {}

  async handle(events: readonly OutboxEvent[], ctx: ProcessorHandlerContext): Promise<void> {
    this.board.record(events, ctx);
    // Exactly-once derived state: the upserts commit together with the checkpoint.
    await ctx.commit(
      events.map((e) => ({
        type: 'upsert' as const,
        projectId: 'p',
        scopeId: 's',
        tableName: 'totals',
        row: { key: e.eventKey, seq: e.commitSeq },
      })),
    );
  }
}

/** Same processor name, other options: a new release that changed its retry policy. */
@ReactiveProcessor({
  name: 'scores',
  topic: 'scored',
  checkpointWatermarkCommits: 1,
  maxRetries: 7,
})
class ScoresProcessorV2 extends ScoresProcessor {}

@ReactiveProcessor({ name: 'flaky', topic: 'risky', maxRetries: 2, retryBackoffMs: 1 })
class FlakyProcessor implements ReactiveProcessorHandler {
  constructor(private readonly board: Scoreboard) {}

  handle(events: readonly OutboxEvent[], ctx: ProcessorHandlerContext): void {
    if (events.some((e) => e.eventKey === 'poison')) {
      throw new NonRetryableProcessorError('poison event: cannot be handled');
    }
    if (events.some((e) => e.eventKey === 'flaky') && ctx.attempt === 1) {
      throw new Error('transient failure');
    }
    this.board.record(events, ctx);
  }
}

@ReactiveProcessor({ name: 'slow', topic: 'slow' })
class SlowProcessor implements ReactiveProcessorHandler {
  constructor(private readonly board: Scoreboard) {}

  async handle(events: readonly OutboxEvent[], ctx: ProcessorHandlerContext): Promise<void> {
    this.board.record(events, ctx);
    await Scoreboard.gate;
    Scoreboard.finished += events.length;
  }
}

@ReactiveProcessor({ name: 'audit-trail', instance: 'audit' })
class AuditTrailProcessor implements ReactiveProcessorHandler {
  constructor(private readonly board: Scoreboard) {}

  handle(events: readonly OutboxEvent[], ctx: ProcessorHandlerContext): void {
    this.board.record(events, ctx);
  }
}

async function schema(service: AedbService): Promise<void> {
  await service.createProject('p', { ifNotExists: true });
  await service.createScope('p', 's', { ifNotExists: true });
  await service.createTable({
    projectId: 'p',
    scopeId: 's',
    tableName: 'totals',
    columns: [
      { name: 'key', type: 'text' },
      { name: 'seq', type: 'integer' },
    ],
    primaryKey: ['key'],
    ifNotExists: true,
  });
}

async function emit(
  db: AedbService | AedbInstance,
  topic: string,
  ...keys: string[]
): Promise<number> {
  let seq = 0;
  for (const key of keys) seq = (await db.emitEvent('p', 's', topic, key, '{}')).commitSeq;
  return seq;
}

describe('@ReactiveProcessor()', () => {
  const nest = useNestFixture();

  beforeEach(() => {
    Scoreboard.seen.length = 0;
    Scoreboard.gate = undefined;
    Scoreboard.finished = 0;
  });

  /** An app on `dir` with `processors` (and the Scoreboard they inject). */
  async function startApp(
    dir: string,
    processors: Type<ReactiveProcessorHandler>[],
    logger = new RecordingLogger(),
  ): Promise<AedbService> {
    const app = await nest.create(
      {
        imports: [AedbModule.forRoot({ dataDir: dir, config: OS })],
        providers: [Scoreboard, ...processors],
      },
      logger,
    );
    await schema(app.get(AedbService));
    await app.init();
    return app.get(AedbService);
  }

  it('discovers processor providers, injects their dependencies and runs them on their topic', async () => {
    const logger = new RecordingLogger();
    const aedb = await startApp(nest.dir(), [ScoresProcessor], logger);
    await emit(aedb, 'other', 'ignored');
    const last = await emit(aedb, 'scored', 'a', 'b', 'c');

    await waitFor(() => Scoreboard.seen.length === 3, 'three events handled');
    expect(new Scoreboard().keys('scores')).toEqual(['a', 'b', 'c']);
    const [info] = await aedb.listReactiveProcessors();
    expect(info).toMatchObject({ processorName: 'scores', enabled: true, running: true });
    expect(info.options.topicFilter).toBe('scored');
    await waitFor(
      async () => (await aedb.reactiveProcessorLag('scores')).checkpointSeq >= last,
      'checkpoint at (or past) the last event',
    );
    const totals = await aedb.query('p', 's', Query.select('*').from('totals'));
    expect(totals.rows.map((r) => r.key)).toEqual(['a', 'b', 'c']);
    expect(logger.aedb('log')).toContain(
      'Reactive processor "scores" (ScoresProcessor, topic scored) registered and started',
    );
  });

  it('logs handler errors through Logger and goes through retries and dead letters', async () => {
    const logger = new RecordingLogger();
    const aedb = await startApp(nest.dir(), [FlakyProcessor], logger);
    // One event per batch (a batch fails or succeeds as a whole): wait for each in turn.
    await emit(aedb, 'risky', 'flaky');
    await waitFor(() => new Scoreboard().keys('flaky').includes('flaky'), 'the flaky event');
    expect(Scoreboard.seen).toEqual([expect.objectContaining({ key: 'flaky', attempt: 2 })]);

    await emit(aedb, 'risky', 'poison');
    await waitFor(
      async () => (await aedb.listReactiveProcessorDeadLetters('flaky')).deadLetters.length === 1,
      'the poison event in the dead letters',
    );
    const letters = await aedb.listReactiveProcessorDeadLetters('flaky');
    expect(letters.deadLetters.map((d) => d.eventKey)).toEqual(['poison']);

    await emit(aedb, 'risky', 'fine');
    await waitFor(() => new Scoreboard().keys('flaky').includes('fine'), 'the last event handled');

    const warnings = logger.aedb('warn').join('\n');
    expect(warnings).toMatch(
      /Reactive processor "flaky" handler failed on attempt 1 \(1 events, seq \d+\.\.\d+\): transient failure; will retry/,
    );
    const errors = logger.aedb('error').join('\n');
    expect(errors).toMatch(/poison event: cannot be handled; moved to dead letters/);
  });

  it('resumes from the checkpoint after a restart and only sees new events', async () => {
    const dir = nest.dir();
    const first = await startApp(dir, [ScoresProcessor]);
    await emit(first, 'scored', 'a', 'b');
    await waitFor(() => Scoreboard.seen.length === 2, 'first events');
    await nest.closeAll();

    // Events committed while the application is down.
    const raw = await AedbInstance.open(dir, OS);
    const checkpoint = (await raw.reactiveProcessorLag('scores')).checkpointSeq;
    const last = await emit(raw, 'scored', 'c', 'd');
    await raw.close();

    const logger = new RecordingLogger();
    const second = await startApp(dir, [ScoresProcessor], logger);
    await waitFor(() => Scoreboard.seen.length === 4, 'events of the downtime');
    expect(new Scoreboard().keys('scores')).toEqual(['a', 'b', 'c', 'd']);
    expect(Scoreboard.seen.slice(2).every((s) => s.seq > checkpoint)).toBe(true);
    expect(logger.aedb('log')).toContain(
      `Reactive processor "scores" (ScoresProcessor, topic scored) resumed from checkpoint seq ${checkpoint}`,
    );
    await waitFor(
      async () => (await second.reactiveProcessorLag('scores')).checkpointSeq >= last,
      'checkpoint at (or past) the last event',
    );
  });

  it('updates the registration when the decorator options changed between releases', async () => {
    const dir = nest.dir();
    await startApp(dir, [ScoresProcessor]);
    await nest.closeAll();
    const logger = new RecordingLogger();
    const aedb = await startApp(dir, [ScoresProcessorV2], logger);
    const [info] = await aedb.listReactiveProcessors();
    expect(info.options.maxRetries).toBe(7);
    expect(info.running).toBe(true);
    expect(logger.aedb('log').join('\n')).toContain('options changed, registration updated');
  });

  it('keeps a paused processor paused across restarts until it is resumed', async () => {
    const dir = nest.dir();
    const first = await startApp(dir, [ScoresProcessor]);
    await first.pauseReactiveProcessor('scores');
    await nest.closeAll();

    const logger = new RecordingLogger();
    const aedb = await startApp(dir, [ScoresProcessor], logger);
    await emit(aedb, 'scored', 'x');
    expect((await aedb.listReactiveProcessors())[0]).toMatchObject({
      enabled: false,
      running: false,
      handlerAttached: true,
    });
    expect(logger.aedb('warn').join('\n')).toContain(
      '"scores" (ScoresProcessor, topic scored) is paused',
    );

    expect(await aedb.resumeReactiveProcessor('scores')).toBe(true);
    await waitFor(() => Scoreboard.seen.length === 1, 'the event after resume');
  });

  it('runs a processor on the named instance it declares', async () => {
    const app = await nest.create({
      imports: [
        AedbModule.forRoot({ dataDir: nest.dir(), config: OS }),
        AedbModule.forRoot({ name: 'audit', dataDir: nest.dir(), config: OS }),
      ],
      providers: [Scoreboard, AuditTrailProcessor],
    });
    const main = app.get(AedbService);
    const audit = app.get<AedbService>('AedbService_audit');
    await schema(main);
    await schema(audit);
    await app.init();

    await emit(main, 'any', 'main-event');
    await emit(audit, 'any', 'audit-event');
    await waitFor(() => Scoreboard.seen.length === 1, 'the audit event');
    expect(new Scoreboard().keys('audit-trail')).toEqual(['audit-event']);
    expect(await main.listReactiveProcessors()).toEqual([]);
  });

  it('lets the batch in flight finish at shutdown and persists its checkpoint', async () => {
    const dir = nest.dir();
    let release!: () => void;
    Scoreboard.gate = new Promise((resolve) => (release = resolve));
    const aedb = await startApp(dir, [SlowProcessor]);
    const seq = await emit(aedb, 'slow', 'long-running');
    await waitFor(() => Scoreboard.seen.length === 1, 'the handler to start');

    setTimeout(release, 100);
    await nest.closeAll();
    expect(Scoreboard.finished).toBe(1);
    expect(aedb.closed).toBe(true);

    const raw = await AedbInstance.open(dir, OS);
    try {
      expect((await raw.reactiveProcessorLag('slow')).checkpointSeq).toBe(seq);
    } finally {
      await raw.close();
    }
  });

  describe('fails startup for a misdeclared processor', () => {
    async function initError(providers: Type<ReactiveProcessorHandler>[], instances = ['default']) {
      const imports = instances.map((name) =>
        AedbModule.forRoot({ name, dataDir: nest.dir(), config: OS }),
      );
      const app = await nest.create({ imports, providers: [Scoreboard, ...providers] });
      const err = await rejectionOf(app.init());
      expect(err).toBeInstanceOf(InvalidReactiveProcessorError);
      return err.message;
    }

    it('without a handle() method', async () => {
      class NoHandle {}
      ReactiveProcessor({ name: 'nohandle' })(NoHandle as unknown as ReactiveProcessorClass);
      expect(await initError([NoHandle as unknown as Type<ReactiveProcessorHandler>])).toBe(
        '@ReactiveProcessor() class NoHandle must implement ReactiveProcessorHandler: a method handle(events, ctx) that returns a Promise or nothing.',
      );
    });

    it('with a name another processor of the instance uses', async () => {
      @ReactiveProcessor({ name: 'scores' })
      class Copycat implements ReactiveProcessorHandler {
        handle(): void {}
      }
      expect(await initError([ScoresProcessor, Copycat])).toContain(
        'Reactive processor "scores" (instance "default") is declared twice: by ScoresProcessor and by Copycat.',
      );
    });

    it('on an instance no AedbModule opens', async () => {
      @ReactiveProcessor({ name: 'lost', instance: 'reports' })
      class Lost implements ReactiveProcessorHandler {
        handle(): void {}
      }
      expect(await initError([Lost], ['default', 'audit'])).toContain(
        '@ReactiveProcessor() on Lost names the aedb instance "reports", but no AedbModule opens it (instances: "audit", "default")',
      );
    });

    it('that is request-scoped', async () => {
      @ReactiveProcessor({ name: 'scoped' })
      @Injectable({ scope: Scope.REQUEST })
      class Scoped implements ReactiveProcessorHandler {
        handle(): void {}
      }
      expect(await initError([Scoped])).toContain(
        '@ReactiveProcessor() class Scoped is request-scoped',
      );
    });

    it('with an invalid engine option (the engine names it)', async () => {
      @ReactiveProcessor({ name: 'bad', maxRetries: -1 })
      class Bad implements ReactiveProcessorHandler {
        handle(): void {}
      }
      const app = await nest.create({
        imports: [AedbModule.forRoot({ dataDir: nest.dir(), config: OS })],
        providers: [Bad],
      });
      const err = await rejectionOf(app.init());
      expect(err.message).toContain("reactive processor 'bad' option maxRetries");
    });
  });
});
