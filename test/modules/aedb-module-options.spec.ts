/**
 * Option validation: a bad module option or engine option fails startup with a ConfigError
 * (code INVALID_CONFIG) whose message names the instance, the option and the expected value.
 */
import { AedbModule, ConfigError, type AedbModuleOptions } from '../../src/index';
import { rejectionOf, useNestFixture } from './support/nest-fixture';

describe('AedbModule options validation', () => {
  const nest = useNestFixture();

  /** Start an app with `options` (typed loosely on purpose) and return its startup error. */
  async function startupError(options: unknown, name?: string): Promise<ConfigError> {
    const err = await rejectionOf(
      nest.start({
        imports: [
          AedbModule.forRootAsync({ name, useFactory: () => options as AedbModuleOptions }),
        ],
      }),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('INVALID_CONFIG');
    return err as ConfigError;
  }

  it.each([
    [{}, 'dataDir: expected a non-empty string (the data directory path), got undefined'],
    [{ dataDir: '' }, "dataDir: expected a non-empty string (the data directory path), got ''"],
    [{ dataDir: 42 }, 'dataDir: expected a non-empty string (the data directory path), got 42'],
    [{ dataDir: '/tmp/x', secure: 'yes' }, "secure: expected a boolean, got 'yes'"],
    [
      { dataDir: '/tmp/x', checkpointOnShutdown: 1 },
      'checkpointOnShutdown: expected a boolean, got 1',
    ],
    [{ dataDir: '/tmp/x', config: 'full' }, 'config: expected an object of engine options'],
    [{ dataDir: '/tmp/x', callerResolver: 'x-user' }, 'callerResolver: expected a function'],
    [
      { dataDir: '/tmp/x', callerHeader: 'bad header' },
      'callerHeader: expected an HTTP header name',
    ],
    [
      { dataDir: '/tmp/x', datadir: '/tmp/y' },
      'datadir: unknown option (valid options: dataDir, config',
    ],
  ])('rejects %j naming the option', async (options, message) => {
    const err = await startupError(options);
    expect(err.message).toContain('Invalid AedbModule options (instance "default"): ');
    expect(err.message).toContain(message);
  });

  it('explains where name and isGlobal go when a factory returns them', async () => {
    const err = await startupError({ dataDir: '/tmp/x', name: 'audit' });
    expect(err.message).toContain(
      'name: shapes the module, so it goes next to the factory (forRootAsync({ name, useFactory })), not in its result',
    );
  });

  it('rejects a factory result that is not an object', async () => {
    const err = await startupError(undefined, 'reports');
    expect(err.message).toBe(
      'Invalid AedbModule options (instance "reports"): expected an object { dataDir, config?, ... }, got undefined',
    );
  });

  it("surfaces the engine's ConfigError for engine options, naming config.<option>", async () => {
    const dataDir = nest.dir();
    const mode = await startupError({ dataDir, config: { durabilityMode: 'fast' } });
    expect(mode.message).toBe(
      "Invalid AedbModule options (instance \"default\"): config.durabilityMode: expected one of 'full', 'batch', 'os', got 'fast'",
    );
    expect(mode.details).toMatchObject({ option: 'durabilityMode', instance: 'default' });

    const range = await startupError({ dataDir, config: { maxBatchCommits: 0 } });
    expect(range.message).toContain(
      'config.maxBatchCommits: expected an integer from 1 to 1000000, got 0',
    );

    const unknown = await startupError({ dataDir, config: { durability: 'full' } });
    expect(unknown.message).toContain('config.durability: unknown option');
  });

  it('rejects contradicting checkpointOnShutdown and config.checkpointOnClose', async () => {
    const err = await startupError({
      dataDir: nest.dir(),
      checkpointOnShutdown: false,
      config: { checkpointOnClose: true },
    });
    expect(err.message).toContain(
      'checkpointOnShutdown (false) contradicts config.checkpointOnClose (true)',
    );
  });

  it('rejects two forRoot calls that open the same instance name', async () => {
    const err = await rejectionOf(
      nest.start({
        imports: [
          AedbModule.forRoot({ dataDir: nest.dir() }),
          AedbModule.forRoot({ dataDir: nest.dir() }),
        ],
      }),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(
      'Two AedbModule.forRoot()/forRootAsync() calls open an instance named "default"',
    );
  });

  it('rejects an invalid instance name when the module is defined', () => {
    expect(() => AedbModule.forRoot({ dataDir: '/tmp/x', name: 'no spaces' })).toThrow(
      'Invalid AedbModule options (instance "no spaces"): aedb instance name: expected 1-64 characters of [A-Za-z0-9_.-], got \'no spaces\'',
    );
  });
});
