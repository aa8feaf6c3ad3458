/**
 * Processor options: the seed's defaults, persistence in the registry, and a typed error that
 * names the processor and the option for every bad value; bad names and handlers too.
 */
import {
  AlreadyExistsError,
  DEFAULT_PROCESSOR_OPTIONS,
  NotFoundError,
  ValidationError,
  type ProcessorHandler,
} from '../../src/index';
import { expectCallRejects, useProcessorFixture } from './processor-fixture';

const fx = useProcessorFixture();
const noop: ProcessorHandler = () => undefined;

describe('processor options', () => {
  it("has aedb's defaults plus startFrom 'beginning'", () => {
    expect(DEFAULT_PROCESSOR_OPTIONS).toEqual({
      callerId: undefined,
      topicFilter: undefined,
      runOnInterval: false,
      maxAllowedLagCommits: undefined,
      maxAllowedStallMs: undefined,
      maxEventsPerRun: 256,
      maxBytesPerRun: 2 * 1024 * 1024,
      maxRunDurationMs: 250,
      runIntervalMs: 20,
      idleBackoffMs: 50,
      checkpointWatermarkCommits: 64,
      maxRetries: 3,
      retryBackoffMs: 100,
      startFrom: 'beginning',
      stopTimeoutMs: 30_000,
    });
  });

  it('persists the resolved options and the enabled state in the registry', async () => {
    const db = await fx.open();
    await db.startReactiveProcessor(
      'proc',
      { topicFilter: 't', maxRetries: 7, callerId: 'svc' },
      noop,
    );
    const [info] = await db.listReactiveProcessors();
    expect(info).toMatchObject({
      processorName: 'proc',
      enabled: true,
      running: true,
      handlerAttached: true,
      checkpointSeq: 0,
      options: { ...DEFAULT_PROCESSOR_OPTIONS, topicFilter: 't', maxRetries: 7, callerId: 'svc' },
    });
    const db2 = await fx.reopen(db);
    const [stored] = await db2.listReactiveProcessors();
    expect(stored.options).toEqual(info.options);
    expect(stored).toMatchObject({ enabled: true, running: false, handlerAttached: false });
  });

  const bad: [string, unknown, string][] = [
    ['callerId', '', 'a string of 1-256 characters without control characters, got ""'],
    ['topicFilter', 'a\nb', 'a string of 1-256 characters without control characters'],
    ['topicFilter', 7, 'a string of 1-256 characters without control characters, got 7'],
    ['runOnInterval', 'yes', 'a boolean, got "yes"'],
    ['maxAllowedLagCommits', -1, 'an integer from 0 to'],
    ['maxAllowedStallMs', 0, 'an integer from 1 to'],
    ['maxEventsPerRun', 0, 'an integer from 1 to 10000, got 0'],
    ['maxEventsPerRun', 10_001, 'an integer from 1 to 10000, got 10001'],
    ['maxBytesPerRun', 1.5, 'an integer from 1 to'],
    ['maxRunDurationMs', 0, 'an integer from 1 to 3600000, got 0'],
    ['runIntervalMs', null, 'an integer from 1 to 86400000, got null'],
    ['idleBackoffMs', 0, 'an integer from 1 to'],
    ['checkpointWatermarkCommits', 0, 'an integer from 1 to 1000000, got 0'],
    ['maxRetries', 101, 'an integer from 0 to 100, got 101'],
    ['retryBackoffMs', -5, 'an integer from 0 to'],
    ['startFrom', 'now', "'beginning', 'end' or a non-negative integer commit seq, got \"now\""],
    ['startFrom', -1, "'beginning', 'end' or a non-negative integer commit seq, got -1"],
  ];
  it.each(bad)(
    'rejects %s = %p with a ValidationError naming it',
    async (option, value, expected) => {
      const db = await fx.open();
      const err = await expectCallRejects(
        () => db.startReactiveProcessor('proc', { [option]: value }, noop),
        ValidationError,
        'VALIDATION',
        `reactive processor 'proc' option ${option}: expected ${expected}`,
      );
      expect(err.details).toEqual({ processorName: 'proc', option });
      expect(await db.listReactiveProcessors()).toEqual([]);
    },
  );

  it('rejects unknown options, non-object options, bad names and bad handlers', async () => {
    const db = await fx.open();
    await expectCallRejects(
      () => db.startReactiveProcessor('proc', { maxRetry: 3 } as never, noop),
      ValidationError,
      'VALIDATION',
      "reactive processor 'proc' option maxRetry: unknown option (expected one of callerId, topicFilter,",
    );
    await expectCallRejects(
      () => db.startReactiveProcessor('proc', 5 as never, noop),
      ValidationError,
      'VALIDATION',
      "reactive processor 'proc' options: expected an object, got number",
    );
    await expectCallRejects(
      () => db.startReactiveProcessor('bad name!', {}, noop),
      ValidationError,
      'VALIDATION',
      'reactive processor name: expected 1-128 characters of [A-Za-z0-9_.:-], got "bad name!"',
    );
    await expectCallRejects(
      () => db.startReactiveProcessor('', {}, noop),
      ValidationError,
      'VALIDATION',
      'reactive processor name: expected 1-128 characters',
    );
    await expectCallRejects(
      () => db.startReactiveProcessor('proc', {}, 'handler' as never),
      ValidationError,
      'VALIDATION',
      "reactive processor 'proc' handler: expected a function (events, ctx) => Promise<void> | void, got string",
    );
    await expectCallRejects(
      () => db.startReactiveProcessor('proc', { startFrom: 1_000 }, noop),
      ValidationError,
      'VALIDATION',
      "reactive processor 'proc' option startFrom: commit seq 1000 is beyond the visible head",
    );
    expect(await db.listReactiveProcessors()).toEqual([]);
  });

  it('rejects a duplicate start and lifecycle calls on unknown processors', async () => {
    const db = await fx.open();
    await db.startReactiveProcessor('proc', {}, noop);
    await expectCallRejects(
      () => db.startReactiveProcessor('proc', {}, noop),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      "reactive processor 'proc' is already running",
    );
    await expectCallRejects(
      () => db.registerReactiveProcessorHandler('proc', noop),
      AlreadyExistsError,
      'ALREADY_EXISTS',
      "reactive processor 'proc' is already running",
    );
    const unknown = "reactive processor 'ghost' is not registered";
    await expectCallRejects(
      () => db.stopReactiveProcessor('ghost'),
      NotFoundError,
      'NOT_FOUND',
      unknown,
    );
    await expectCallRejects(
      () => db.pauseReactiveProcessor('ghost'),
      NotFoundError,
      'NOT_FOUND',
      unknown,
    );
    await expectCallRejects(
      () => db.resumeReactiveProcessor('ghost'),
      NotFoundError,
      'NOT_FOUND',
      unknown,
    );
    await expectCallRejects(
      () => db.deleteReactiveProcessor('ghost'),
      NotFoundError,
      'NOT_FOUND',
      unknown,
    );
    await expectCallRejects(
      () => db.reactiveProcessorHealth('ghost'),
      NotFoundError,
      'NOT_FOUND',
      unknown,
    );
    await expectCallRejects(
      () => db.reactiveProcessorSloStatus('ghost'),
      NotFoundError,
      'NOT_FOUND',
      unknown,
    );
    await expectCallRejects(
      () => db.registerReactiveProcessorHandler('ghost', noop),
      NotFoundError,
      'NOT_FOUND',
      "reactive processor 'ghost' is not registered: start it once with startReactiveProcessor",
    );
    await expectCallRejects(
      () => db.replayReactiveProcessorDeadLetters('ghost'),
      NotFoundError,
      'NOT_FOUND',
      unknown,
    );
    expect(db.reactiveProcessorRuntimeStatus('ghost')).toBeUndefined();
  });

  it('validates checkpoint acknowledgements', async () => {
    const db = await fx.open();
    await expectCallRejects(
      () => db.ackReactiveProcessorCheckpoint('proc', -1),
      ValidationError,
      'VALIDATION',
      "checkpoint of 'proc': expected a non-negative integer commit seq, got -1",
    );
    await expectCallRejects(
      () => db.ackReactiveProcessorCheckpoint('proc', 99),
      ValidationError,
      'VALIDATION',
      "checkpoint of 'proc': seq 99 is beyond the visible head 2",
    );
    await expectCallRejects(
      () => db.ackReactiveProcessorCheckpointBatched('proc', 1, 0),
      ValidationError,
      'VALIDATION',
      "checkpoint of 'proc' watermarkCommits: expected a positive integer, got 0",
    );
    await db.startReactiveProcessor('running', {}, noop);
    await expectCallRejects(
      () => db.resetReactiveProcessorCheckpoint('running', 0),
      ValidationError,
      'VALIDATION',
      "reactive processor 'running' is running: stop it before resetting its checkpoint",
    );
    await expectCallRejects(
      () => db.ackReactiveProcessorCheckpoint('no way', 1),
      ValidationError,
      'VALIDATION',
      'reactive processor name',
    );
  });
});
