import type { OrderedMapView } from '../btree/ordered-map';
import type { Catalog } from '../catalog/catalog';

/**
 * What read-only evaluation (assertions, preflight, predicate matching) needs from a state:
 * the catalog and read access to trees. Both the writer's `WorkingState` (the
 * transaction-local state inside a commit) and a published `DbState` provide it.
 */
export interface StateView {
  readonly catalog: Catalog;
  /**
   * Range read sets with a `baseSeq` below this seq conflict conservatively: the trees do not
   * know what was deleted before it — trees loaded from a checkpoint carry no deletion marks,
   * and a dropped scope, table or index takes its history with it (see `DbState`).
   */
  readonly rangeFloorSeq: number;
  /** The tree with this id; an empty tree when it does not exist. */
  readTree(id: string): OrderedMapView;
}
