import { PersistentBTree } from '../btree/persistent-btree';
import { applyCatalogEffect, type CatalogEffect } from '../catalog/catalog-effect';
import { scopeTreeIds, tableTreeIds, type Catalog } from '../catalog/catalog';
import type { TableSchema } from '../schema';
import { DbState } from './db-state';

/** What `rollback` must restore, one entry per change since `begin`. */
type UndoEntry =
  | { op: 'entry'; tree: PersistentBTree; key: string; prev: string | undefined; prevSeq: number }
  | { op: 'catalog'; prev: Catalog }
  | { op: 'tree'; id: string; prev: PersistentBTree | undefined };

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
  private undo: UndoEntry[] | null = null;
  private published: DbState;
  /** Ids of the trees changed by the last `publish` (for the `commits$` event). */
  lastPublishedTrees: readonly string[] = [];

  constructor(base: DbState) {
    this.catalog = base.catalog;
    this.published = base;
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

  /** The tree with `id` if it exists (no creation). */
  existingTree(id: string): PersistentBTree | undefined {
    return this.trees.get(id);
  }

  /** Start a transaction: changes until `commitTx`/`rollback` are undoable. */
  begin(): void {
    this.undo = [];
  }

  /** Keep the changes made since `begin`. */
  commitTx(): void {
    this.undo = null;
  }

  /** Undo every change made since `begin`, newest first. */
  rollback(): void {
    const undo = this.undo;
    this.undo = null;
    if (undo === null) return;
    for (let i = undo.length - 1; i >= 0; i--) {
      const u = undo[i];
      if (u.op === 'entry') {
        if (u.prev === undefined) u.tree.delete(u.key, u.prevSeq);
        else u.tree.set(u.key, u.prev, u.prevSeq);
      } else if (u.op === 'catalog') {
        this.catalog = u.prev;
      } else if (u.prev === undefined) {
        this.trees.delete(u.id);
      } else {
        this.trees.set(u.id, u.prev);
      }
    }
  }

  /** Put an entry, stamped with `seq`. */
  putEntry(treeId: string, key: string, value: string, seq: number): void {
    const tree = this.tree(treeId);
    if (this.undo !== null) {
      const prev = tree.get(key);
      this.undo.push({
        op: 'entry',
        tree,
        key,
        prev,
        prevSeq: prev === undefined ? seq : (tree.getSeq(key) as number),
      });
    }
    tree.set(key, value, seq);
    this.dirty.add(treeId);
  }

  /** Delete an entry (no-op when absent); `seq` marks the deletion for range read sets. */
  deleteEntry(treeId: string, key: string, seq: number): void {
    const tree = this.trees.get(treeId);
    if (tree === undefined) return;
    const prev = tree.get(key);
    if (prev === undefined) return;
    if (this.undo !== null) {
      this.undo.push({ op: 'entry', tree, key, prev, prevSeq: tree.getSeq(key) as number });
    }
    tree.delete(key, seq);
    this.dirty.add(treeId);
  }

  /**
   * Apply a catalog change: update the catalog and create or drop the trees it implies.
   * Index trees of a new index are built from the table's rows by `buildIndex`.
   */
  applyCatalog(effect: CatalogEffect, buildIndex: IndexBuilder): void {
    const before = this.catalog;
    const after = applyCatalogEffect(before, effect);
    if (this.undo !== null) this.undo.push({ op: 'catalog', prev: before });
    this.catalog = after;
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
        this.dropTrees([...oldIds].filter((id) => !newIds.has(id)));
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
      if (seq !== prev.seq) this.published = new DbState(seq, prev.catalog, prev.trees);
      return this.published;
    }
    const trees = new Map(prev.trees);
    for (const id of this.dirty) {
      const tree = this.trees.get(id);
      if (tree === undefined) trees.delete(id);
      else trees.set(id, tree.snapshot());
    }
    this.dirty.clear();
    this.published = new DbState(seq, this.catalog, trees);
    return this.published;
  }

  private setTree(id: string, tree: PersistentBTree | undefined): void {
    if (this.undo !== null) this.undo.push({ op: 'tree', id, prev: this.trees.get(id) });
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
