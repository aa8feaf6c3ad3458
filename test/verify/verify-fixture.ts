/**
 * Helpers of the verifier suite: a small real database with a table under two indexes (one
 * unique) and KV entries, byte-level snapshots of a directory (to prove the verifier changes
 * nothing), and ways to break a database below the public API — rewriting the newest
 * checkpoint's trees and appending a hand-made WAL frame — with the engine's own modules.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AedbInstance, type AedbConfigInput, type TableSchema } from '../../src/index';
import { PersistentBTree } from '../../src/storage/btree/persistent-btree';
import {
  listCheckpoints,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointTree,
} from '../../src/storage/checkpoint';
import { Catalog } from '../../src/storage/catalog/catalog';
import { FRAME_KIND_COMMIT } from '../../src/storage/commit/commit-pipeline';
import { rowIndexKey, rowPrimaryKey, tableLayout } from '../../src/storage/commit/table-layout';
import { ByteWriter } from '../../src/storage/effects/byte-writer';
import { decodeCheckpointMeta } from '../../src/storage/recovery/checkpoint-meta';
import type { Value } from '../../src/storage/schema';
import { decodeRowValues, encodeRow } from '../../src/storage/values/row-codec';
import { scanWal } from '../../src/storage/wal/wal-reader';
import { WalWriter } from '../../src/storage/wal/wal-writer';

/** Where the fixture's table lives. */
export const T = { projectId: 'p', scopeId: 's', tableName: 't' } as const;

/** The fixture table: id pk, `a` text under a unique index, `b` integer under a plain index. */
export async function populate(dir: string, config: AedbConfigInput = {}): Promise<TableSchema> {
  const db = await AedbInstance.open(dir, { durabilityMode: 'os', ...config });
  try {
    await db.createProject('p');
    await db.createScope('p', 's');
    await db.createTable({
      ...T,
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'a', type: 'text' },
        { name: 'b', type: 'integer', nullable: true },
        { name: 'c', type: 'json', nullable: true },
      ],
      primaryKey: ['id'],
    });
    await db.createIndex({ ...T, indexName: 'by_a', columns: ['a'], unique: true });
    await db.createIndex({ ...T, indexName: 'by_b', columns: ['b'] });
    for (let i = 0; i < 40; i++) {
      await db.commitMany([
        {
          type: 'insert',
          ...T,
          row: { id: i, a: `a${i}`, b: i % 6 === 0 ? null : i % 4, c: { i } },
        },
        { type: 'kvSet', projectId: 'p', scopeId: 's', key: `k${i}`, value: `v${i}` },
      ]);
    }
    await db.checkpointNow();
    for (let i = 0; i < 40; i += 5) {
      await db.commit({
        type: 'updateFields',
        ...T,
        primaryKey: [i],
        fields: { a: `z${i}`, b: 7 },
      });
    }
    for (let i = 1; i < 40; i += 7) await db.commit({ type: 'delete', ...T, primaryKey: [i] });
    await db.alterTable({
      ...T,
      alteration: { type: 'addColumn', column: { name: 'd', type: 'u64', nullable: true } },
    });
    await db.commit({ type: 'upsert', ...T, row: { id: 100, a: 'hundred', b: 1, d: 5n } });
    await db.kvDel('p', 's', 'k3');
    return db.describeTable('p', 's', 't');
  } finally {
    await db.close();
  }
}

/** Path -> SHA-256 of every file under `dir` (a directory appears as an entry too). */
export function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const rel = path.relative(dir, full);
      if (e.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(full);
      } else {
        out[rel] = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
      }
    }
  };
  walk(dir);
  return out;
}

/** The WAL segment files of `dir`, oldest first. */
export function walFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(dir, 'wal'))
    .filter((f) => f.endsWith('.wal'))
    .sort()
    .map((f) => path.join(dir, 'wal', f));
}

/** A tree's entries as a mutable map key -> [value, seq]. */
export type TreeEntries = Map<string, [value: string, seq: number]>;

/**
 * Rewrite the newest checkpoint of `dir` after `edit` changed its trees (by id; add or remove
 * ids freely). The file stays valid (new trailer): only the engine-level invariants break.
 */
export async function rewriteNewestCheckpoint(
  dir: string,
  edit: (trees: Map<string, TreeEntries>) => void,
): Promise<string> {
  const [newest] = await listCheckpoints(path.join(dir, 'checkpoints'));
  const loaded = await readCheckpoint(newest.file);
  const trees = new Map<string, TreeEntries>();
  for (const t of loaded.trees) {
    const entries: TreeEntries = new Map();
    t.keys.forEach((k, i) => entries.set(k, [t.values[i], t.seqs[i]]));
    trees.set(t.id, entries);
  }
  edit(trees);
  const out: CheckpointTree[] = [];
  for (const [id, entries] of trees) {
    const keys = [...entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const tree = PersistentBTree.fromSorted(
      keys,
      keys.map((k) => (entries.get(k) as [string, number])[0]),
      keys.map((k) => (entries.get(k) as [string, number])[1]),
    ).snapshot();
    out.push({ id, map: tree });
  }
  await writeCheckpoint(path.join(dir, 'checkpoints'), {
    seq: loaded.seq,
    createdAtMicros: loaded.createdAtMicros,
    chainHead: loaded.chainHead,
    meta: loaded.meta,
    trees: out,
  });
  return newest.file;
}

/**
 * Append one commit frame with raw effects to the WAL of `dir` (no chain, no HMAC), the way
 * the commit pipeline would, bypassing every check of the write path. Returns its seq.
 */
export async function appendRawFrame(dir: string, write: (w: ByteWriter) => void): Promise<number> {
  const walDir = path.join(dir, 'wal');
  const scan = scanWal(walDir, {
    afterSeq: 0,
    hashChain: false,
    mode: 'strict',
    onFrame: () => undefined,
  });
  const wal = WalWriter.open({
    dir: walDir,
    nextSeq: scan.resume.nextSeq,
    prevChain: scan.resume.prevChain,
    hashChain: false,
    maxSegmentBytes: 64 << 20,
    appendTo: scan.resume.appendTo,
  });
  const out = new ByteWriter();
  write(out);
  const seq = scan.resume.nextSeq;
  const sink = wal.beginFrame(seq, Date.now() * 1000, FRAME_KIND_COMMIT);
  const at = sink.reserve(out.length);
  out.buf.copy(sink.buffer, at, 0, out.length);
  wal.endFrame();
  wal.flush();
  await wal.sync();
  await wal.close();
  return seq;
}

/** The schema of table `project.scope.table` in the newest checkpoint of `dir`. */
export async function checkpointTable(
  dir: string,
  projectId: string,
  scopeId: string,
  tableName: string,
): Promise<TableSchema> {
  const [newest] = await listCheckpoints(path.join(dir, 'checkpoints'));
  const loaded = await readCheckpoint(newest.file);
  const meta = decodeCheckpointMeta(loaded.meta, newest.file);
  const table = Catalog.fromPlain(meta.catalog).table(projectId, scopeId, tableName);
  if (table === undefined) throw new Error(`no table ${projectId}.${scopeId}.${tableName}`);
  return table;
}

/**
 * Replace rows of `table` in the trees of a checkpoint being rewritten: `edit` gets each row's
 * decoded values and returns the values to store instead (the same array for no change,
 * `undefined` to delete the row). Primary keys and every index entry move with the values, so
 * the result is structurally sound: only the table's own invariants can break.
 */
export function rewriteRows(
  trees: Map<string, TreeEntries>,
  table: TableSchema,
  edit: (values: Value[]) => Value[] | undefined,
): number {
  const layout = tableLayout(table);
  const rows = trees.get(layout.rowsTreeId) ?? new Map<string, [string, number]>();
  trees.set(layout.rowsTreeId, rows);
  let changed = 0;
  for (const [pk, [encoded, seq]] of [...rows]) {
    const old = decodeRowValues(table, encoded);
    const next = edit(old.slice());
    if (next !== undefined && next.every((v, i) => v === old[i])) continue;
    changed++;
    rows.delete(pk);
    for (const index of layout.indexes)
      trees.get(index.treeId)?.delete(rowIndexKey(index, old, pk));
    if (next === undefined) continue;
    const newPk = rowPrimaryKey(layout, next);
    rows.set(newPk, [encodeRow(table, next), seq]);
    for (const index of layout.indexes) {
      const entries = trees.get(index.treeId) ?? new Map<string, [string, number]>();
      trees.set(index.treeId, entries);
      entries.set(rowIndexKey(index, next, newPk), [newPk, seq]);
    }
  }
  return changed;
}
