import type { Catalog } from '../catalog/catalog';
import { kvTreeId, rowsTreeId } from '../catalog/catalog';
import type { TouchedObject } from '../engine-events';

/** Tree id to the table or KV space it holds, per catalog (catalogs are immutable). */
const reverseIndex = new WeakMap<Catalog, Map<string, TouchedObject>>();

function indexFor(catalog: Catalog): Map<string, TouchedObject> {
  let map = reverseIndex.get(catalog);
  if (map !== undefined) return map;
  map = new Map();
  for (const project of catalog.projects.values()) {
    for (const scope of project.scopes.values()) {
      const base = { projectId: project.projectId, scopeId: scope.scopeId };
      map.set(kvTreeId(scope.scopeNum), Object.freeze({ ...base }));
      for (const table of scope.tables.values()) {
        map.set(rowsTreeId(table.tableId), Object.freeze({ ...base, tableName: table.tableName }));
      }
    }
  }
  reverseIndex.set(catalog, map);
  return map;
}

/**
 * The tables and KV spaces behind a batch's changed trees (index trees map to nothing: their
 * table's rows changed too). Trees of objects dropped in the batch are left out.
 */
export function describeTouched(catalog: Catalog, treeIds: readonly string[]): TouchedObject[] {
  if (treeIds.length === 0) return [];
  const index = indexFor(catalog);
  const out: TouchedObject[] = [];
  for (const id of treeIds) {
    const obj = index.get(id);
    if (obj !== undefined) out.push(obj);
  }
  return out;
}
