/**
 * The verifier's `system` check: the engine's tables in `_system.app` (event outbox,
 * idempotency records, processor checkpoints, registry and dead letters). A database that used
 * all of them passes; each broken invariant, written into the newest checkpoint below the public
 * API (keys and index entries kept consistent, so only the system invariant breaks), fails
 * `system` — and only it — naming the row.
 */
import * as fs from 'node:fs';
import {
  AedbInstance,
  NonRetryableProcessorError,
  verifyDatabase,
  type VerifyCheckName,
  type VerifyReport,
} from '../../src/index';
import { tableLayout } from '../../src/storage/commit/table-layout';
import type { Value } from '../../src/storage/schema';
import { makeTempDir, removeTempDir, useTempDirs } from '../support/temp-dir';
import { checkpointTable, rewriteNewestCheckpoint, rewriteRows } from './verify-fixture';

const dirs = useTempDirs();
const SYS = ['_system', 'app'] as const;

function failed(report: VerifyReport): VerifyCheckName[] {
  return report.checks.filter((c) => !c.ok).map((c) => c.name);
}

function detail(report: VerifyReport, name: VerifyCheckName): string {
  return report.checks.find((c) => c.name === name)?.detail ?? `no '${name}' check`;
}

/** A database that wrote to every system table; returns its head seq. */
async function populateSystem(dir: string): Promise<number> {
  const db = await AedbInstance.open(dir, { durabilityMode: 'os' });
  try {
    await db.createProject('p');
    await db.createScope('p', 's');
    for (let i = 0; i < 6; i++) {
      await db.emitEvent('p', 's', i % 2 === 0 ? 'even' : 'odd', `e${i}`, JSON.stringify({ i }));
    }
    for (let i = 0; i < 3; i++) {
      await db.commitEnvelope({
        idempotencyKey: `key-${i}`,
        writeIntent: {
          mutations: [{ type: 'kvAddU64Ex', projectId: 'p', scopeId: 's', key: 'n', amount: 1n }],
        },
      });
    }
    let deadLettered = false;
    await db.startReactiveProcessor(
      'proc',
      { topicFilter: 'odd', checkpointWatermarkCommits: 1 },
      (events) => {
        if (events.some((e) => e.eventKey === 'e3')) {
          deadLettered = true;
          throw new NonRetryableProcessorError('e3 is poison');
        }
      },
    );
    for (let i = 0; i < 200 && !(deadLettered && (await lagOf(db)) === 0); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await db.listReactiveProcessorDeadLetters('proc')).deadLetters).toHaveLength(3); // the whole batch e1, e3, e5
    return db.headState().visibleHeadSeq;
  } finally {
    await db.close();
  }
}

async function lagOf(db: AedbInstance): Promise<number> {
  return (await db.reactiveProcessorLag('proc')).lagCommits;
}

/** A copy of the populated directory (populated once per file: it takes a processor run). */
let template: string;
let head: number;
beforeAll(async () => {
  template = makeTempDir();
  head = await populateSystem(template);
});
afterAll(() => removeTempDir(template));

function copy(): string {
  const dir = dirs.make();
  fs.cpSync(template, dir, { recursive: true });
  return dir;
}

/** Rewrite rows of one system table in a fresh copy; returns the copy. */
async function breakRows(
  table: string,
  edit: (values: Value[]) => Value[] | undefined,
): Promise<string> {
  const dir = copy();
  const schema = await checkpointTable(dir, ...SYS, table);
  let changed = 0;
  await rewriteNewestCheckpoint(dir, (trees) => {
    changed = rewriteRows(trees, schema, edit);
  });
  expect(changed).toBeGreaterThan(0);
  return dir;
}

describe('verifyDatabase: the system tables', () => {
  it('passes on a database that used events, idempotency and a processor with a dead letter', async () => {
    const report = await verifyDatabase(copy());
    expect(failed(report)).toEqual([]);
    expect(detail(report, 'system')).toMatch(
      new RegExp(
        `^event_outbox 6, idempotency_records 3, reactive_processor_registry 1, reactive_processor_checkpoints 1, ` +
          `reactive_processor_dead_letters 3: seqs within the head ${head}`,
      ),
    );
  });

  it('an empty database has no system tables to check', async () => {
    const report = await verifyDatabase(dirs.make());
    expect(detail(report, 'system')).toBe('no system tables yet');
  });

  it('an idempotency record past the head fails `system`', async () => {
    const dir = await breakRows('idempotency_records', (v) => [v[0], head + 5, v[2], v[3]]);
    const report = await verifyDatabase(dir);
    expect(failed(report)).toEqual(['system']);
    expect(detail(report, 'system')).toMatch(
      new RegExp(
        `^3 problem\\(s\\): idempotency record [0-9a-f]{16}: commit seq ${head + 5} outside 1\\.\\.${head}`,
      ),
    );
  });

  it('an idempotency fingerprint that is no SHA-256 digest fails `system`', async () => {
    let once = false;
    const dir = await breakRows('idempotency_records', (v) => {
      if (once) return v;
      once = true;
      return [v[0], v[1], v[2], new Uint8Array(5)];
    });
    const report = await verifyDatabase(dir);
    expect(failed(report)).toEqual(['system']);
    expect(detail(report, 'system')).toMatch(/: fingerprint of 5 bytes, not 32$/);
  });

  it('a processor checkpoint past the head fails `system`', async () => {
    const dir = await breakRows('reactive_processor_checkpoints', (v) => [v[0], head + 1, v[2]]);
    const report = await verifyDatabase(dir);
    expect(failed(report)).toEqual(['system']);
    expect(detail(report, 'system')).toBe(
      `1 problem(s): processor 'proc': checkpoint ${head + 1} outside 0..${head}`,
    );
  });

  it('an outbox event past the head, or with a payload that is no JSON, fails `system`', async () => {
    const dir = await breakRows('event_outbox', (v) =>
      v[2] === 'e0'
        ? [head + 3, ...v.slice(1)]
        : v[2] === 'e1'
          ? [...v.slice(0, 6), '{not json']
          : v,
    );
    const report = await verifyDatabase(dir);
    expect(failed(report)).toEqual(['system']);
    const text = detail(report, 'system');
    expect(text).toMatch(/^2 problem\(s\)/);
    expect(text).toContain(
      `event_outbox row (${head + 3}, "even", "e0"): commit seq outside 1..${head}`,
    );
    expect(text).toContain(`"odd", "e1"): the payload is not JSON`);
  });

  it('a missing topic index entry of the outbox fails the generic `indexes` check', async () => {
    const dir = copy();
    const schema = await checkpointTable(dir, ...SYS, 'event_outbox');
    const layout = tableLayout(schema);
    const byTopic = layout.indexes[0];
    await rewriteNewestCheckpoint(dir, (trees) => {
      const rows = trees.get(layout.rowsTreeId) as Map<string, [string, number]>;
      const [pk] = [...rows.keys()];
      const index = trees.get(byTopic.treeId) as Map<string, [string, number]>;
      const victim = [...index.entries()].find(([, [rowPk]]) => rowPk === pk);
      expect(victim).toBeDefined();
      index.delete((victim as [string, [string, number]])[0]);
    });
    const report = await verifyDatabase(dir);
    expect(failed(report)).toEqual(['indexes']);
    expect(detail(report, 'indexes')).toMatch(/index 'by_topic': row .* has no entry/);
  });

  it('a dead letter naming no commit fails `system`', async () => {
    const dir = await breakRows('reactive_processor_dead_letters', (v) =>
      v[2] === 'e3' ? [v[0], 0, ...v.slice(2, 6), 0, v[7]] : v,
    );
    const report = await verifyDatabase(dir);
    expect(failed(report)).toEqual(['system']);
    expect(detail(report, 'system')).toBe(
      `2 problem(s): dead letter of 'proc' (commit 0, event "e3"): commit seq outside 1..${head}; ` +
        `dead letter of 'proc' (commit 0, event "e3"): 0 attempts`,
    );
  });

  it('registered processor options that are no JSON object fail `system`', async () => {
    const dir = await breakRows('reactive_processor_registry', (v) => [v[0], '[1]', v[2], v[3]]);
    const report = await verifyDatabase(dir);
    expect(failed(report)).toEqual(['system']);
    expect(detail(report, 'system')).toBe(
      `1 problem(s): processor 'proc': the registered options are not a JSON object`,
    );
  });
});
