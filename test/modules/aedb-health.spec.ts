/**
 * AedbHealthIndicator: up with open/recovered/durable-lag/processor details, down on a processor
 * SLO breach, on a durable lag above the bound, and once closed; and inside @nestjs/terminus'
 * HealthCheckService (an optional peer), where down becomes a 503.
 */
import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import {
  AedbHealthIndicator,
  AedbModule,
  AedbService,
  ReactiveProcessor,
  type OutboxEvent,
  type ProcessorHandlerContext,
  type ReactiveProcessorHandler,
} from '../../src/index';
import { useNestFixture, waitFor } from './support/nest-fixture';

/** A processor that blocks while `blocked` (or until stopped): it falls behind its SLO. */
@ReactiveProcessor({ name: 'stuck', topic: 'work', maxAllowedLagCommits: 1 })
class StuckProcessor implements ReactiveProcessorHandler {
  static blocked = true;
  static started = false;
  async handle(_events: readonly OutboxEvent[], ctx: ProcessorHandlerContext): Promise<void> {
    StuckProcessor.started = true;
    while (StuckProcessor.blocked && !ctx.signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly aedb: AedbHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.aedb.isHealthy('aedb')]);
  }
}

describe('AedbHealthIndicator', () => {
  const nest = useNestFixture();

  beforeEach(() => {
    StuckProcessor.blocked = true;
    StuckProcessor.started = false;
  });

  async function startApp(withProcessor = false) {
    const app = await nest.create({
      imports: [AedbModule.forRoot({ dataDir: nest.dir(), config: { durabilityMode: 'os' } })],
      providers: withProcessor ? [StuckProcessor] : [],
    });
    const aedb = app.get(AedbService);
    await aedb.createProject('p');
    await aedb.createScope('p', 's');
    await app.init();
    return { app, aedb, indicator: app.get(AedbHealthIndicator) };
  }

  it('reports up with the instance details', async () => {
    const { aedb, indicator } = await startApp();
    const head = aedb.headState();
    expect(await indicator.isHealthy('db')).toEqual({
      db: {
        status: 'up',
        instance: 'default',
        dataDir: aedb.dir,
        open: true,
        recoveredSeq: 0,
        recoveryMs: expect.any(Number) as number,
        visibleHeadSeq: head.visibleHeadSeq,
        durableHeadSeq: head.durableHeadSeq,
        durableLagCommits: 0,
        processors: 0,
        processorsRunning: 0,
        sloBreaches: [],
      },
    });
  });

  it('reports down while a processor breaches its SLO, and up again once it catches up', async () => {
    const { aedb, indicator } = await startApp(true);
    for (let i = 0; i < 3; i++) await aedb.emitEvent('p', 's', 'work', `w${i}`, '{}');
    await waitFor(() => StuckProcessor.started, 'the processor to start');
    await aedb.emitEvent('p', 's', 'work', 'late', '{}');

    const { aedb: down } = await indicator.isHealthy();
    expect(down.status).toBe('down');
    expect(down.sloBreaches).toEqual([
      { processor: 'stuck', reasons: [expect.stringContaining('> maxAllowedLagCommits 1')] },
    ]);
    expect(down.reasons).toEqual([expect.stringMatching(/^processor stuck: lag \d+ commits/)]);
    expect(
      (await indicator.isHealthy('aedb', { failOnProcessorSloBreach: false })).aedb.status,
    ).toBe('up');

    StuckProcessor.blocked = false;
    await waitFor(
      async () => (await indicator.isHealthy()).aedb.status === 'up',
      'the processor to catch up',
    );
  });

  it('reports down above maxDurableLagCommits and once the instance is closed', async () => {
    // `batch` durability with a long window: visible commits run ahead of the durable head.
    const app = await nest.start({
      imports: [
        AedbModule.forRoot({
          dataDir: nest.dir(),
          config: { durabilityMode: 'batch', batchIntervalMs: 60_000, batchMaxBytes: 1 << 30 },
        }),
      ],
    });
    const aedb = app.get(AedbService);
    const indicator = app.get(AedbHealthIndicator);
    await aedb.commit(
      { type: 'ddl', op: { type: 'createProject', projectId: 'q' } },
      { finality: 'visible' },
    );
    const { visibleHeadSeq, durableHeadSeq } = aedb.headState();
    const lag = visibleHeadSeq - durableHeadSeq;
    expect(lag).toBeGreaterThan(0);
    expect(await indicator.isHealthy('aedb', { maxDurableLagCommits: 0 })).toMatchObject({
      aedb: {
        status: 'down',
        durableLagCommits: lag,
        reasons: [`durable lag ${lag} commits > maxDurableLagCommits 0`],
      },
    });
    await aedb.forceFsync();
    expect((await indicator.isHealthy('aedb', { maxDurableLagCommits: 0 })).aedb.status).toBe('up');

    await app.close();
    expect((await indicator.isHealthy()).aedb).toMatchObject({
      status: 'down',
      open: false,
      reasons: ['the instance is closed'],
    });
  });

  it('plugs into @nestjs/terminus: 200 when up, 503 with the reasons when down', async () => {
    const app = await nest.create({
      imports: [
        TerminusModule,
        AedbModule.forRoot({ dataDir: nest.dir(), config: { durabilityMode: 'os' } }),
      ],
      controllers: [HealthController],
      providers: [StuckProcessor],
    });
    const aedb = app.get(AedbService);
    await aedb.createProject('p');
    await aedb.createScope('p', 's');
    await app.listen(0, '127.0.0.1');
    const url = `${await app.getUrl()}/health`;

    const up = await fetch(url);
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ status: 'ok', info: { aedb: { status: 'up' } } });

    for (let i = 0; i < 3; i++) await aedb.emitEvent('p', 's', 'work', `w${i}`, '{}');
    await waitFor(() => StuckProcessor.started, 'the processor to start');
    await aedb.emitEvent('p', 's', 'work', 'late', '{}');
    const down = await fetch(url);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({
      status: 'error',
      error: { aedb: { status: 'down', sloBreaches: [{ processor: 'stuck' }] } },
    });
  });
});
