import { PersistentBTree } from '../btree/persistent-btree';
import { kvTreeId, type Catalog } from '../catalog/catalog';

/** An empty frozen tree, shared by every lookup of a tree that does not exist. */
const EMPTY_TREE = PersistentBTree.empty().snapshot();

/**
 * An immutable, published state of the database at one commit seq: the catalog plus one
 * frozen tree per KV space, table and index. Readers hold it as long as they like; writers
 * never change it (new states share its untouched trees and nodes).
 */
export class DbState {
  constructor(
    /** The seq of the last commit included. */
    readonly seq: number,
    readonly catalog: Catalog,
    /** Frozen trees by tree id. */
    readonly trees: ReadonlyMap<string, PersistentBTree>,
  ) {}

  /** project -> scope -> KV tree, filled lazily (the state is immutable, so it never goes stale). */
  private kvTrees: Map<string, Map<string, PersistentBTree>> | undefined;

  /** The tree with this id, or an empty tree (a dropped or never-written tree reads as empty). */
  tree(id: string): PersistentBTree {
    return this.trees.get(id) ?? EMPTY_TREE;
  }

  /** Same as {@link DbState.tree}: the read side of {@link StateView}. */
  readTree(id: string): PersistentBTree {
    return this.tree(id);
  }

  /**
   * The KV tree of a scope, or `undefined` when the scope does not exist. Two Map lookups on
   * the hot read path instead of a catalog walk and a tree-id string per read.
   */
  kvTree(projectId: string, scopeId: string): PersistentBTree | undefined {
    let byScope = this.kvTrees?.get(projectId);
    if (byScope === undefined) {
      const project = this.catalog.project(projectId);
      if (project === undefined) return undefined;
      byScope = new Map();
      for (const scope of project.scopes.values()) {
        byScope.set(scope.scopeId, this.tree(kvTreeId(scope.scopeNum)));
      }
      (this.kvTrees ??= new Map()).set(projectId, byScope);
    }
    return byScope.get(scopeId);
  }
}
