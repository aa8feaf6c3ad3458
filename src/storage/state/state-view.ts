import type { OrderedMapView } from '../btree/ordered-map';
import type { Catalog } from '../catalog/catalog';

/**
 * What read-only evaluation (assertions, preflight, predicate matching) needs from a state:
 * the catalog and read access to trees. Both the writer's `WorkingState` (the
 * transaction-local state inside a commit) and a published `DbState` provide it.
 */
export interface StateView {
  readonly catalog: Catalog;
  /** The tree with this id; an empty tree when it does not exist. */
  readTree(id: string): OrderedMapView;
}
