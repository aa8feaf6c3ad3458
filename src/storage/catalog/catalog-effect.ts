import type { TableSchema } from '../schema';
import { Catalog } from './catalog';

/**
 * A resolved catalog change, as recorded in the WAL. DDL requests are validated and turned
 * into these once, at commit time (ids assigned, defaults filled in); replay applies them
 * without re-validating, so recovery is deterministic.
 */
export type CatalogEffect =
  | { readonly kind: 'putProject'; readonly projectId: string }
  | { readonly kind: 'dropProject'; readonly projectId: string }
  | {
      readonly kind: 'putScope';
      readonly projectId: string;
      readonly scopeId: string;
      readonly scopeNum: number;
    }
  | { readonly kind: 'dropScope'; readonly projectId: string; readonly scopeId: string }
  | { readonly kind: 'putTable'; readonly table: TableSchema }
  | {
      readonly kind: 'dropTable';
      readonly projectId: string;
      readonly scopeId: string;
      readonly tableName: string;
    };

/** Apply one effect to the catalog alone (trees are the working state's business). */
export function applyCatalogEffect(catalog: Catalog, effect: CatalogEffect): Catalog {
  switch (effect.kind) {
    case 'putProject':
      return catalog.withProject({ projectId: effect.projectId, scopes: new Map() });
    case 'dropProject':
      return catalog.withoutProject(effect.projectId);
    case 'putScope':
      return catalog.withScope(
        {
          projectId: effect.projectId,
          scopeId: effect.scopeId,
          scopeNum: effect.scopeNum,
          tables: new Map(),
        },
        effect.scopeNum + 1,
      );
    case 'dropScope':
      return catalog.withoutScope(effect.projectId, effect.scopeId);
    case 'putTable':
      return catalog.withTable(effect.table, effect.table.tableId + 1);
    case 'dropTable':
      return catalog.withoutTable(effect.projectId, effect.scopeId, effect.tableName);
  }
}
