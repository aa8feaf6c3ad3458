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
    /** Estimated heap bytes of the data (see {@link estimateTreeBytes}); kept incrementally. */
    readonly dataBytes: number = estimateTreesBytes(trees.values()),
    /**
     * The seq before which deletions are not tracked in the trees: the checkpoint the state
     * was recovered from (its trees are rebuilt without deletion marks), raised to the seq of
     * every later commit that dropped a project, scope, table or index (a recreated one starts
     * a new tree). Range read sets read before it conflict (see `validateReadSet`).
     */
    readonly rangeFloorSeq: number = 0,
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

/**
 * Heap bytes attributed to one entry beyond its key and value characters: the string headers
 * and the three leaf array slots (measured: about 170 bytes per 13-byte key + 100-byte value).
 */
export const ENTRY_OVERHEAD_BYTES = 56;

/** Estimated heap bytes of a tree's entries. O(entries): used at open and for dropped trees. */
export function estimateTreeBytes(tree: PersistentBTree): number {
  let total = 0;
  for (const leaf of tree.leaves()) {
    const { keys, values } = leaf;
    for (let i = 0; i < keys.length; i++)
      total += keys[i].length + values[i].length + ENTRY_OVERHEAD_BYTES;
  }
  return total;
}

function estimateTreesBytes(trees: Iterable<PersistentBTree>): number {
  let total = 0;
  for (const tree of trees) total += estimateTreeBytes(tree);
  return total;
}
