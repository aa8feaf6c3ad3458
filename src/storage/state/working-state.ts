import type { OrderedMapView } from '../btree/ordered-map';
import { PersistentBTree } from '../btree/persistent-btree';
import { applyCatalogEffect, type CatalogEffect } from '../catalog/catalog-effect';
import { scopeTreeIds, tableTreeIds, type Catalog } from '../catalog/catalog';
import type { TableSchema } from '../schema';
import { DbState, ENTRY_OVERHEAD_BYTES, estimateTreeBytes } from './db-state';

const EMPTY_TREE = PersistentBTree.empty().snapshot();

/** Undo record kinds (see `WorkingState`'s parallel undo arrays). */
const UNDO_ENTRY = 0;
const UNDO_CATALOG = 1;
const UNDO_TREE = 2;

/**
 * The writer's state: the catalog and a writable handle per tree, ahead of (or equal to) the
 * last published {@link DbState}. Only the commit pipeline and recovery touch it.
 *
 * A commit runs between `begin()` and `commitTx()`; every change is recorded in an undo log so
 * that `rollback()` can restore the state exactly when any mutation of the commit fails. The
 * undo log is what makes a multi-mutation commit all-or-nothing without copying the state.
 */
export class WorkingState {
  catalog: Catalog;
  private readonly trees = new Map<string, PersistentBTree>();
  /** Trees changed (or created, or dropped) since the last publish. */
  private readonly dirty = new Set<string>();
  /**
   * The undo log of the open transaction as parallel arrays, reused across commits, so that a
   * write records its undo information without allocating an object (this runs for every
   * put and delete on the commit path).
   */
  private undoActive = false;
  /** Records in use; slots beyond it are stale and overwritten by later records. */
  private undoCount = 0;
  private readonly undoKinds: number[] = [];
  private readonly undoTrees: (PersistentBTree | undefined)[] = [];
  private readonly undoKeys: string[] = [];
  /** Previous value (entries), catalog (catalog changes) or tree (tree replacements). */
  private readonly undoPrev: (string | Catalog | PersistentBTree | undefined)[] = [];
  private readonly undoSeqs: number[] = [];
  private published: DbState;
  /** Ids of the trees changed by the last `publish` (for the `commits$` event). */
  lastPublishedTrees: readonly string[] = [];

  /** Estimated data bytes of the current state, kept on every put and delete. */
  private dataBytes: number;

  /** See {@link DbState.rangeFloorSeq}; raised by drops, restored by `rollback`. */
  rangeFloorSeq: number;
  private rangeFloorAtBegin = 0;

  constructor(base: DbState) {
    this.catalog = base.catalog;
    this.published = base;
    this.dataBytes = base.dataBytes;
    this.rangeFloorSeq = base.rangeFloorSeq;
    for (const [id, tree] of base.trees) this.trees.set(id, tree.fork());
  }

  /** The last published state. */
  get lastPublished(): DbState {
    return this.published;
  }

  /** The writable tree with `id`; created on first use. */
  tree(id: string): PersistentBTree {
    let tree = this.trees.get(id);
    if (tree === undefined) {
      tree = PersistentBTree.empty();
      this.setTree(id, tree);
    }
    return tree;
  }

  /** The tree with `id` for reading: an empty tree when it does not exist (no creation). */
  readTree(id: string): OrderedMapView {
    return this.trees.get(id) ?? EMPTY_TREE;
  }

  /** The tree with `id` if it exists (no creation). */
  existingTree(id: string): PersistentBTree | undefined {
    return this.trees.get(id);
  }

  /** Start a transaction: changes until `commitTx`/`rollback` are undoable. */
  begin(): void {
    this.undoActive = true;
    this.rangeFloorAtBegin = this.rangeFloorSeq;
    this.clearUndo();
  }

  /** Keep the changes made since `begin`. */
  commitTx(): void {
    this.undoActive = false;
    this.clearUndo();
  }

  /** Undo every change made since `begin`, newest first. */
  rollback(): void {
    if (!this.undoActive) return;
    this.undoActive = false;
    this.rangeFloorSeq = this.rangeFloorAtBegin;
    for (let i = this.undoCount - 1; i >= 0; i--) {
      const kind = this.undoKinds[i];
      if (kind === UNDO_ENTRY) {
        const tree = this.undoTrees[i] as PersistentBTree;
        const key = this.undoKeys[i];
        const prev = this.undoPrev[i] as string | undefined;
        if (prev === undefined) {
          const removed = tree.delete(key, this.undoSeqs[i]);
          if (removed !== undefined) this.dataBytes -= entryBytes(key, removed);
        } else {
          const replaced = tree.set(key, prev, this.undoSeqs[i]);
          this.dataBytes +=
            replaced === undefined ? entryBytes(key, prev) : prev.length - replaced.length;
        }
      } else if (kind === UNDO_CATALOG) {
        this.catalog = this.undoPrev[i] as Catalog;
      } else {
        const prev = this.undoPrev[i] as PersistentBTree | undefined;
        const current = this.trees.get(this.undoKeys[i]);
        if (current !== undefined) this.dataBytes -= estimateTreeBytes(current);
        if (prev === undefined) this.trees.delete(this.undoKeys[i]);
        else {
          this.trees.set(this.undoKeys[i], prev);
          this.dataBytes += estimateTreeBytes(prev);
        }
      }
    }
    this.clearUndo();
  }

  /** Put an entry, stamped with `seq`. */
  putEntry(treeId: string, key: string, value: string, seq: number): void {
    const tree = this.tree(treeId);
    const prev = tree.set(key, value, seq);
    this.dataBytes += prev === undefined ? entryBytes(key, value) : value.length - prev.length;
    if (this.undoActive) {
      this.pushUndo(
        UNDO_ENTRY,
        tree,
        key,
        prev,
        prev === undefined ? seq : PersistentBTree.previousSeq,
      );
    }
    this.dirty.add(treeId);
  }

  /** Delete an entry (no-op when absent); `seq` marks the deletion for range read sets. */
  deleteEntry(treeId: string, key: string, seq: number): void {
    const tree = this.trees.get(treeId);
    if (tree === undefined) return;
    const prev = tree.delete(key, seq);
    if (prev === undefined) return;
    this.dataBytes -= entryBytes(key, prev);
    if (this.undoActive) this.pushUndo(UNDO_ENTRY, tree, key, prev, PersistentBTree.previousSeq);
    this.dirty.add(treeId);
  }

  /**
   * Apply a catalog change of the commit at `seq`: update the catalog and create or drop the
   * trees it implies. Index trees of a new index are built from the table's rows by
   * `buildIndex`. A drop raises {@link rangeFloorSeq} to `seq`.
   */
  applyCatalog(effect: CatalogEffect, buildIndex: IndexBuilder, seq: number): void {
    const before = this.catalog;
    const after = applyCatalogEffect(before, effect);
    if (this.undoActive) this.pushUndo(UNDO_CATALOG, undefined, '', before, 0);
    this.catalog = after;
    if (
      effect.kind === 'dropProject' ||
      effect.kind === 'dropScope' ||
      effect.kind === 'dropTable'
    ) {
      this.rangeFloorSeq = Math.max(this.rangeFloorSeq, seq);
    }
    switch (effect.kind) {
      case 'dropProject': {
        const project = before.project(effect.projectId);
        if (project !== undefined) {
          for (const scope of project.scopes.values()) this.dropTrees(scopeTreeIds(scope));
        }
        break;
      }
      case 'dropScope': {
        const scope = before.scope(effect.projectId, effect.scopeId);
        if (scope !== undefined) this.dropTrees(scopeTreeIds(scope));
        break;
      }
      case 'dropTable': {
        const table = before.table(effect.projectId, effect.scopeId, effect.tableName);
        if (table !== undefined) this.dropTrees(tableTreeIds(table));
        break;
      }
      case 'putTable': {
        const old = before.table(
          effect.table.projectId,
          effect.table.scopeId,
          effect.table.tableName,
        );
        const oldIds = new Set(old === undefined ? [] : tableTreeIds(old));
        const newIds = new Set(tableTreeIds(effect.table));
        const dropped = [...oldIds].filter((id) => !newIds.has(id));
        if (dropped.length > 0) this.rangeFloorSeq = Math.max(this.rangeFloorSeq, seq);
        this.dropTrees(dropped);
        for (const index of effect.table.indexes) {
          if (old === undefined || !old.indexes.some((i) => i.id === index.id)) {
            buildIndex(this, effect.table, index.id);
          }
        }
        break;
      }
      case 'putProject':
      case 'putScope':
        break;
    }
  }

  /**
   * Freeze the current state as the published state at `seq`. O(trees changed since the last
   * publish): each changed tree is snapshotted in O(1); unchanged trees are shared.
   */
  publish(seq: number): DbState {
    const prev = this.published;
    this.lastPublishedTrees = [...this.dirty];
    if (this.dirty.size === 0 && this.catalog === prev.catalog) {
      if (seq !== prev.seq) {
        this.published = new DbState(
          seq,
          prev.catalog,
          prev.trees,
          this.dataBytes,
          this.rangeFloorSeq,
        );
      }
      return this.published;
    }
    const trees = new Map(prev.trees);
    for (const id of this.dirty) {
      const tree = this.trees.get(id);
      if (tree === undefined) trees.delete(id);
      else trees.set(id, tree.snapshot());
    }
    this.dirty.clear();
    this.published = new DbState(seq, this.catalog, trees, this.dataBytes, this.rangeFloorSeq);
    return this.published;
  }

  private pushUndo(
    kind: number,
    tree: PersistentBTree | undefined,
    key: string,
    prev: string | Catalog | PersistentBTree | undefined,
    seq: number,
  ): void {
    const i = this.undoCount++;
    this.undoKinds[i] = kind;
    this.undoTrees[i] = tree;
    this.undoKeys[i] = key;
    this.undoPrev[i] = prev;
    this.undoSeqs[i] = seq;
  }

  private clearUndo(): void {
    this.undoCount = 0;
    // A huge commit must not pin its undo records (old values, trees) after it is done.
    if (this.undoKinds.length > 1024) {
      this.undoKinds.length = 0;
      this.undoTrees.length = 0;
      this.undoKeys.length = 0;
      this.undoPrev.length = 0;
      this.undoSeqs.length = 0;
    }
  }

  private setTree(id: string, tree: PersistentBTree | undefined): void {
    const current = this.trees.get(id);
    // Dropping a tree is rare (DDL); walking it for its size is fine there.
    if (current !== undefined) this.dataBytes -= estimateTreeBytes(current);
    if (tree !== undefined) this.dataBytes += estimateTreeBytes(tree);
    if (this.undoActive) this.pushUndo(UNDO_TREE, undefined, id, this.trees.get(id), 0);
    if (tree === undefined) this.trees.delete(id);
    else this.trees.set(id, tree);
    this.dirty.add(id);
  }

  private dropTrees(ids: readonly string[]): void {
    for (const id of ids) if (this.trees.has(id)) this.setTree(id, undefined);
  }
}

/** Builds the tree of a newly created index from the table's rows (inside the same commit). */
export type IndexBuilder = (state: WorkingState, table: TableSchema, indexId: number) => void;

function entryBytes(key: string, value: string): number {
  return key.length + value.length + ENTRY_OVERHEAD_BYTES;
}
