/**
 * Configuration: every option validated (unknown, wrong type, out of range, bad hmacKey) with
 * INVALID_CONFIG naming the option, both through `resolveConfig` and `AedbInstance.open` (which
 * must then leave no trace), defaults, and the ready-made profiles opening and working.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  AedbConfigProfiles,
  AedbInstance,
  ConfigError,
  CorruptionError,
  DEFAULT_CONFIG,
  resolveConfig,
  type AedbConfig,
  type AedbConfigInput,
} from '../../../src/index';
import { expectAedbError, expectRejects, expectThrows, str, useEngine } from './engine-fixture';

const engine = useEngine();

const MiB = 1024 * 1024;

/** Every numeric option with its documented inclusive range. */
const NUMERIC: [keyof AedbConfig, number, number][] = [
  ['batchIntervalMs', 1, 60_000],
  ['batchMaxBytes', 4096, 1024 * MiB],
  ['maxSegmentBytes', 256, 4096 * MiB],
  ['maxQueuedCommits', 1, 10_000_000],
  ['maxQueuedBytes', 4096, 64 * 1024 * MiB],
  ['maxBatchCommits', 1, 1_000_000],
  ['maxBatchBytes', 4096, 1024 * MiB],
  ['maxTransactionBytes', 1024, 64 * MiB],
  ['maxMutationsPerCommit', 1, 1_000_000],
  ['maxKvKeyBytes', 1, 64 * 1024],
  ['maxKvValueBytes', 1, 64 * MiB],
  ['maxRowBytes', 64, 64 * MiB],
  ['snapshotRetention', 1, 1_000_000],
  ['checkpointWalBytes', 0, Number.MAX_SAFE_INTEGER],
  ['checkpointCommits', 0, Number.MAX_SAFE_INTEGER],
  ['checkpointIntervalMs', 0, 365 * 24 * 3600 * 1000],
  ['checkpointRetention', 1, 1000],
  ['checkpointSliceMs', 1, 1000],
];

const KEY = new Uint8Array(32).fill(7);

function badConfigs(): [string, unknown, string][] {
  const out: [string, unknown, string][] = [];
  for (const [key, min, max] of NUMERIC) {
    out.push([`${key} below ${min}`, { [key]: min - 1 }, key]);
    if (max < Number.MAX_SAFE_INTEGER) out.push([`${key} above ${max}`, { [key]: max + 1 }, key]);
    out.push([`${key} fractional`, { [key]: min + 0.5 }, key]);
    out.push([`${key} as a string`, { [key]: String(min) }, key]);
    out.push([`${key} NaN`, { [key]: Number.NaN }, key]);
    out.push([`${key} null`, { [key]: null }, key]);
  }
  out.push(['durabilityMode unknown', { durabilityMode: 'fast' }, 'durabilityMode']);
  out.push(['durabilityMode wrong type', { durabilityMode: 1 }, 'durabilityMode']);
  out.push(['recoveryMode unknown', { recoveryMode: 'lenient' }, 'recoveryMode']);
  out.push(['hashChain as a string', { hashChain: 'yes' }, 'hashChain']);
  out.push(['checkpointOnClose as a number', { checkpointOnClose: 1 }, 'checkpointOnClose']);
  out.push(['hmacKey too short', { hmacKey: new Uint8Array(31) }, 'hmacKey']);
  out.push(['hmacKey as a string', { hmacKey: 'k'.repeat(64) }, 'hmacKey']);
  out.push(['hmacKey as an array', { hmacKey: Array.from(KEY) }, 'hmacKey']);
  out.push(['an unknown option', { durability: 'full' }, 'durability']);
  out.push(['a misspelled option', { snapshotRetension: 5 }, 'snapshotRetension']);
  return out;
}

describe('resolveConfig', () => {
  it('returns the frozen defaults for no input', () => {
    const c = resolveConfig();
    expect(c).toEqual(DEFAULT_CONFIG);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(DEFAULT_CONFIG)).toBe(true);
    expect(c.durabilityMode).toBe('full');
    expect(resolveConfig({})).toEqual(DEFAULT_CONFIG);
    // `undefined` means "default".
    expect(resolveConfig({ durabilityMode: undefined })).toEqual(DEFAULT_CONFIG);
  });

  it('accepts every numeric option at both ends of its range', () => {
    for (const [key, min, max] of NUMERIC) {
      expect(resolveConfig({ [key]: min })[key]).toBe(min);
      expect(resolveConfig({ [key]: max })[key]).toBe(max);
    }
  });

  it.each(badConfigs())(
    'rejects %s with INVALID_CONFIG naming the option',
    (_label, input, option) => {
      const err = expectThrows(
        () => resolveConfig(input),
        ConfigError,
        'INVALID_CONFIG',
        `config.${option}`,
      );
      expect(err.details).toMatchObject({ option });
    },
  );

  it.each([null, 'full', 42, [], [['durabilityMode', 'os']]])(
    'rejects a non-object config %p',
    (input) => {
      expectThrows(() => resolveConfig(input), ConfigError, 'INVALID_CONFIG', 'config');
    },
  );

  it('lists the valid options when an unknown one is given', () => {
    expectThrows(
      () => resolveConfig({ fsync: true }),
      ConfigError,
      'INVALID_CONFIG',
      'config.fsync',
      'durabilityMode',
      'checkpointOnClose',
    );
  });

  it('keeps a private copy of hmacKey', () => {
    const key = new Uint8Array(32).fill(1);
    const c = resolveConfig({ hmacKey: key });
    key.fill(0);
    expect(Array.from(c.hmacKey ?? [])).toEqual(new Array<number>(32).fill(1));
  });
});

describe('AedbInstance.open with a bad config', () => {
  it.each(badConfigs().filter((_c, i) => i % 5 === 0))(
    'rejects %s with INVALID_CONFIG before touching the directory',
    async (_label, input, option) => {
      const dir = path.join(engine.dir(), 'never-created');
      await expectRejects(
        AedbInstance.open(dir, input as AedbConfigInput),
        ConfigError,
        'INVALID_CONFIG',
        `config.${option}`,
      );
      expect(fs.existsSync(dir)).toBe(false);
    },
  );

  it('leaves an existing directory unlocked and intact', async () => {
    const { db, dir } = await engine.fresh();
    await db.createProject('p');
    await db.close();
    const files = fs.readdirSync(dir).sort();
    await expectRejects(
      AedbInstance.open(dir, { maxRowBytes: 1 }),
      ConfigError,
      'INVALID_CONFIG',
      'config.maxRowBytes',
    );
    expect(fs.readdirSync(dir).sort()).toEqual(files);
    const again = await engine.open(dir);
    expect(await again.listProjects()).toEqual(['p']);
  });

  it('exposes the resolved, frozen configuration', async () => {
    const { db } = await engine.fresh({ durabilityMode: 'os', snapshotRetention: 7 });
    expect(db.config.snapshotRetention).toBe(7);
    expect(db.config.maxRowBytes).toBe(DEFAULT_CONFIG.maxRowBytes);
    expect(Object.isFrozen(db.config)).toBe(true);
  });
});

describe('profiles', () => {
  async function exercise(config: AedbConfigInput): Promise<void> {
    const { db, dir } = await engine.fresh(config);
    await db.createProject('p');
    await db.createScope('p', 's');
    await db.createTable({
      projectId: 'p',
      scopeId: 's',
      tableName: 't',
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'v', type: 'text' },
      ],
      primaryKey: ['id'],
    });
    const r = await db.commitMany([
      { type: 'insert', projectId: 'p', scopeId: 's', tableName: 't', row: { id: 1, v: 'one' } },
      { type: 'kvSet', projectId: 'p', scopeId: 's', key: 'k', value: 'v' },
    ]);
    expect(r.durableHeadSeq).toBeGreaterThanOrEqual(r.commitSeq);
    const v = await db.kvSet('p', 's', 'k2', 'v2', { finality: 'visible' });
    await db.waitForDurable(v.commitSeq);
    await db.checkpointNow();
    await db.kvSet('p', 's', 'k3', 'after checkpoint');
    await db.close();
    const again = await engine.open(dir, config);
    expect(str((await again.kvGet('p', 's', 'k3'))?.value ?? new Uint8Array())).toBe(
      'after checkpoint',
    );
    expect(str((await again.kvGet('p', 's', 'k2'))?.value ?? new Uint8Array())).toBe('v2');
    expect(again.recoveryReport.recoveredSeq).toBe(v.commitSeq + 1);
  }

  it('development() opens and works', async () => {
    const config = AedbConfigProfiles.development();
    expect(resolveConfig(config)).toMatchObject({
      durabilityMode: 'os',
      recoveryMode: 'permissive',
      hashChain: false,
    });
    await exercise(config);
  });

  it('production(key) opens and works with hash chain and HMAC', async () => {
    const config = AedbConfigProfiles.production(KEY);
    expect(resolveConfig(config)).toMatchObject({
      durabilityMode: 'full',
      recoveryMode: 'strict',
      hashChain: true,
    });
    await exercise(config);
  });

  it('lowLatency(key) opens and works', async () => {
    const config = AedbConfigProfiles.lowLatency(KEY);
    expect(resolveConfig(config)).toMatchObject({
      durabilityMode: 'batch',
      batchIntervalMs: 2,
      hashChain: true,
    });
    await exercise(config);
  });

  it('production(key) with a short key fails with INVALID_CONFIG naming hmacKey', async () => {
    await expectRejects(
      AedbInstance.open(engine.dir(), AedbConfigProfiles.production(new Uint8Array(16))),
      ConfigError,
      'INVALID_CONFIG',
      'config.hmacKey',
    );
  });

  it('a directory written with an HMAC key does not open with another key or without one (CORRUPTION)', async () => {
    const { db, dir } = await engine.fresh(AedbConfigProfiles.production(KEY));
    await db.createProject('p');
    await db.close();
    const attempts: AedbConfigInput[] = [
      AedbConfigProfiles.production(new Uint8Array(32).fill(9)),
      { durabilityMode: 'full', hashChain: true },
      { durabilityMode: 'os' },
    ];
    for (const config of attempts) {
      let err: unknown;
      try {
        const wrong = await AedbInstance.open(dir, config);
        await wrong.close();
      } catch (e) {
        err = e;
      }
      expectAedbError(err, CorruptionError, 'CORRUPTION', 'HMAC');
    }
    // The failed open released the lock: the right key still opens it.
    const again = await engine.open(dir, AedbConfigProfiles.production(KEY));
    expect(await again.listProjects()).toEqual(['p']);
  });
});
