import { PersistentBTree } from '../btree/persistent-btree';
import type { Catalog } from '../catalog/catalog';

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

  /** The tree with this id, or an empty tree (a dropped or never-written tree reads as empty). */
  tree(id: string): PersistentBTree {
    return this.trees.get(id) ?? EMPTY_TREE;
  }
}
