import type { CatalogEffect } from '../catalog/catalog-effect';
import { buildIndex } from '../commit/apply-primitives';
import type { EffectVisitor } from '../effects/effect-codec';
import type { WorkingState } from './working-state';

/**
 * Applies logged effects to a working state, stamping entries with the seq of the commit being
 * replayed. Recovery uses it for WAL frames, and the snapshot history for `atSeq` reads inside a
 * group-commit batch. Effects are already validated and resolved, so nothing is checked here.
 */
export class ReplayVisitor implements EffectVisitor {
  /** The seq of the commit whose effects are being applied. */
  seq = 0;

  constructor(private readonly state: WorkingState) {}

  put(treeId: string, key: string, value: string): void {
    this.state.putEntry(treeId, key, value, this.seq);
  }

  del(treeId: string, key: string): void {
    this.state.deleteEntry(treeId, key, this.seq);
  }

  catalog(effect: CatalogEffect): void {
    this.state.applyCatalog(effect, buildIndex, this.seq);
  }
}
