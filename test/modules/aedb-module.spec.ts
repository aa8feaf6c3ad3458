/**
 * AedbModule: forRoot, forRootAsync (factory with an injected config service, useClass),
 * isGlobal, named instances (two data directories in one application), tokens, and the
 * AedbService facade's coverage of the engine API.
 */
import { Injectable, Module } from '@nestjs/common';
import {
  AEDB_MODULE_OPTIONS,
  AedbInstance,
  AedbModule,
  AedbService,
  InjectAedb,
  InjectAedbInstance,
  getAedbInstanceToken,
  getAedbToken,
  type AedbModuleOptions,
} from '../../src/index';
import { useNestFixture } from './support/nest-fixture';

/** A config service like `@nestjs/config`'s, in its own module. */
@Injectable()
class AppConfig {
  static dataDir = '';
  get(key: 'DATA_DIR'): string {
    return key === 'DATA_DIR' ? AppConfig.dataDir : '';
  }
}

@Module({ providers: [AppConfig], exports: [AppConfig] })
class AppConfigModule {}

@Injectable()
class TwoDatabases {
  constructor(
    readonly main: AedbService,
    @InjectAedb('audit') readonly audit: AedbService,
    @InjectAedbInstance('audit') readonly auditDb: AedbInstance,
    readonly mainDb: AedbInstance,
  ) {}
}

describe('AedbModule', () => {
  const nest = useNestFixture();

  it('forRoot opens the directory and provides AedbService and AedbInstance by class', async () => {
    const dir = nest.dir();
    const app = await nest.start({
      imports: [AedbModule.forRoot({ dataDir: dir, config: { durabilityMode: 'os' } })],
    });
    const service = app.get(AedbService);
    const db = app.get(AedbInstance);
    expect(service.db).toBe(db);
    expect(service.name).toBe('default');
    expect(service.dir).toBe(dir);
    expect(db.config.durabilityMode).toBe('os');
    expect(app.get(AEDB_MODULE_OPTIONS)).toEqual({
      dataDir: dir,
      config: { durabilityMode: 'os' },
    });

    await service.createProject('p');
    await service.createScope('p', 's');
    const { commitSeq } = await service.kvSet('p', 's', 'k', 'v');
    const entry = await service.kvGet('p', 's', 'k');
    expect(Buffer.from(entry!.value).toString()).toBe('v');
    expect(entry!.version).toBe(commitSeq);
    expect(service.headState().visibleHeadSeq).toBe(commitSeq);
  });

  it('forRootAsync takes its options from an injected config service', async () => {
    AppConfig.dataDir = nest.dir();
    const app = await nest.start({
      imports: [
        AedbModule.forRootAsync({
          imports: [AppConfigModule],
          inject: [AppConfig],
          useFactory: async (config: AppConfig): Promise<AedbModuleOptions> => {
            await Promise.resolve();
            return { dataDir: config.get('DATA_DIR'), checkpointOnShutdown: false };
          },
        }),
      ],
    });
    const service = app.get(AedbService);
    expect(service.dir).toBe(AppConfig.dataDir);
    expect(service.config.checkpointOnClose).toBe(false);
  });

  it('forRootAsync accepts useClass with createAedbOptions()', async () => {
    const dir = nest.dir();
    @Injectable()
    class OptionsFactory {
      createAedbOptions(): AedbModuleOptions {
        return { dataDir: dir, config: { durabilityMode: 'batch', batchIntervalMs: 5 } };
      }
    }
    const app = await nest.start({
      imports: [AedbModule.forRootAsync({ useClass: OptionsFactory })],
    });
    expect(app.get(AedbService).config).toMatchObject({
      durabilityMode: 'batch',
      batchIntervalMs: 5,
    });
  });

  it('isGlobal makes the service injectable in modules that do not import AedbModule', async () => {
    @Injectable()
    class Consumer {
      constructor(readonly aedb: AedbService) {}
    }
    @Module({ providers: [Consumer], exports: [Consumer] })
    class FeatureModule {}

    const app = await nest.start({
      imports: [AedbModule.forRoot({ dataDir: nest.dir(), isGlobal: true }), FeatureModule],
    });
    expect(app.get(Consumer).aedb).toBe(app.get(AedbService));
  });

  it('opens two data directories as named instances in one application', async () => {
    const mainDir = nest.dir();
    const auditDir = nest.dir();
    const app = await nest.start({
      imports: [
        AedbModule.forRoot({ dataDir: mainDir, isGlobal: true }),
        AedbModule.forRootAsync({
          name: 'audit',
          isGlobal: true,
          useFactory: () => ({ dataDir: auditDir, config: { durabilityMode: 'os' } }),
        }),
      ],
      providers: [TwoDatabases],
    });
    const two = app.get(TwoDatabases);
    expect(two.main.dir).toBe(mainDir);
    expect(two.audit.dir).toBe(auditDir);
    expect(two.audit.name).toBe('audit');
    expect(two.auditDb).toBe(two.audit.db);
    expect(two.mainDb).toBe(two.main.db);
    expect(app.get(getAedbToken('audit'))).toBe(two.audit);
    expect(app.get(getAedbInstanceToken('audit'))).toBe(two.auditDb);
    expect(getAedbToken()).toBe(AedbService);
    expect(getAedbToken('default')).toBe(AedbService);

    await two.audit.createProject('audit_only');
    expect(await two.audit.listProjects()).toContain('audit_only');
    expect(await two.main.listProjects()).not.toContain('audit_only');

    await app.close();
    expect(two.main.closed).toBe(true);
    expect(two.audit.closed).toBe(true);
  });
});

// ---------------------------------------------------------------- the facade covers the engine

/** Every public method of AedbInstance. */
type EngineMethods = {
  [K in keyof AedbInstance]: AedbInstance[K] extends (...args: never[]) => unknown ? K : never;
}[keyof AedbInstance];
/** Methods the facade leaves out on purpose: the module owns the lifecycle. */
type LeftOut = 'close';
/** Engine methods missing from AedbService: must be none (a type error names them). */
type Missing = Exclude<EngineMethods, keyof AedbService | LeftOut>;
const facadeIsComplete: [Missing] extends [never] ? true : Missing = true;
/** And each delegating method has a compatible signature. */
const signaturesMatch = (s: AedbService): Pick<AedbInstance, Exclude<EngineMethods, LeftOut>> => s;

describe('AedbService', () => {
  it('covers every public engine method with a compatible signature (checked by tsc)', () => {
    expect(facadeIsComplete).toBe(true);
    expect(typeof signaturesMatch).toBe('function');
  });
});
