import { NotFoundError } from '../errors';
import type { TableSchema } from '../schema';

/** A scope as the catalog stores it. */
export interface ScopeEntry {
  readonly projectId: string;
  readonly scopeId: string;
  /** Internal id, unique across the database and never reused; names the scope's KV tree. */
  readonly scopeNum: number;
  readonly tables: ReadonlyMap<string, TableSchema>;
}

/** A project as the catalog stores it. */
export interface ProjectEntry {
  readonly projectId: string;
  readonly scopes: ReadonlyMap<string, ScopeEntry>;
}

/** The id of the tree that holds a scope's KV space. */
export function kvTreeId(scopeNum: number): string {
  return `kv:${scopeNum}`;
}

/** The id of the tree that holds a table's rows. */
export function rowsTreeId(tableId: number): string {
  return `t:${tableId}`;
}

/** The id of the tree that holds a secondary index. */
export function indexTreeId(tableId: number, indexId: number): string {
  return `t:${tableId}:i:${indexId}`;
}

/** Every tree id a table owns (rows first, then its indexes). */
export function tableTreeIds(table: TableSchema): string[] {
  return [rowsTreeId(table.tableId), ...table.indexes.map((i) => indexTreeId(table.tableId, i.id))];
}

/** Every tree id a scope owns (its KV space, then every table's trees). */
export function scopeTreeIds(scope: ScopeEntry): string[] {
  const ids = [kvTreeId(scope.scopeNum)];
  for (const table of scope.tables.values()) ids.push(...tableTreeIds(table));
  return ids;
}

/**
 * The immutable catalog of projects, scopes and tables. Every change returns a new catalog
 * that shares the untouched parts, so a snapshot of the database holds the catalog of its seq.
 */
export class Catalog {
  private constructor(
    readonly projects: ReadonlyMap<string, ProjectEntry>,
    /** Next internal id (scope numbers and table ids share one counter; ids are never reused). */
    readonly nextId: number,
  ) {}

  /** The empty catalog of a new database. */
  static empty(): Catalog {
    return new Catalog(new Map(), 1);
  }

  /** Rebuild a catalog from its serialized form (see {@link Catalog.toJSONValue}). */
  static fromPlain(plain: CatalogPlain): Catalog {
    const projects = new Map<string, ProjectEntry>();
    for (const p of plain.projects) {
      const scopes = new Map<string, ScopeEntry>();
      for (const s of p.scopes) {
        const tables = new Map<string, TableSchema>();
        for (const t of s.tables) tables.set(t.tableName, deepFreeze(t));
        scopes.set(s.scopeId, Object.freeze({ ...s, tables }));
      }
      projects.set(p.projectId, Object.freeze({ projectId: p.projectId, scopes }));
    }
    return new Catalog(projects, plain.nextId);
  }

  /** A plain, serializable form of the catalog (for checkpoints). */
  toPlain(): CatalogPlain {
    return {
      nextId: this.nextId,
      projects: [...this.projects.values()].map((p) => ({
        projectId: p.projectId,
        scopes: [...p.scopes.values()].map((s) => ({
          projectId: s.projectId,
          scopeId: s.scopeId,
          scopeNum: s.scopeNum,
          tables: [...s.tables.values()],
        })),
      })),
    };
  }

  project(projectId: string): ProjectEntry | undefined {
    return this.projects.get(projectId);
  }

  scope(projectId: string, scopeId: string): ScopeEntry | undefined {
    return this.projects.get(projectId)?.scopes.get(scopeId);
  }

  table(projectId: string, scopeId: string, tableName: string): TableSchema | undefined {
    return this.projects.get(projectId)?.scopes.get(scopeId)?.tables.get(tableName);
  }

  /** The scope, or a `NotFoundError` naming the missing project or scope. */
  requireScope(projectId: string, scopeId: string): ScopeEntry {
    const project = this.projects.get(projectId);
    if (project === undefined) {
      throw new NotFoundError(`project '${projectId}' does not exist`, { projectId });
    }
    const scope = project.scopes.get(scopeId);
    if (scope === undefined) {
      throw new NotFoundError(`scope '${projectId}.${scopeId}' does not exist`, {
        projectId,
        scopeId,
      });
    }
    return scope;
  }

  /** The table, or a `NotFoundError` naming the missing project, scope or table. */
  requireTable(projectId: string, scopeId: string, tableName: string): TableSchema {
    const table = this.requireScope(projectId, scopeId).tables.get(tableName);
    if (table === undefined) {
      throw new NotFoundError(`table '${projectId}.${scopeId}.${tableName}' does not exist`, {
        projectId,
        scopeId,
        tableName,
      });
    }
    return table;
  }

  /** A catalog with `project` added or replaced. @internal */
  withProject(project: ProjectEntry, nextId = this.nextId): Catalog {
    const projects = new Map(this.projects);
    projects.set(project.projectId, Object.freeze(project));
    return new Catalog(projects, Math.max(nextId, this.nextId));
  }

  /** A catalog without `projectId`. @internal */
  withoutProject(projectId: string): Catalog {
    const projects = new Map(this.projects);
    projects.delete(projectId);
    return new Catalog(projects, this.nextId);
  }

  /** A catalog with `scope` added or replaced (its project must exist). @internal */
  withScope(scope: ScopeEntry, nextId = this.nextId): Catalog {
    const project = this.projects.get(scope.projectId);
    if (project === undefined)
      throw new NotFoundError(`project '${scope.projectId}' does not exist`);
    const scopes = new Map(project.scopes);
    scopes.set(scope.scopeId, Object.freeze(scope));
    return this.withProject({ projectId: project.projectId, scopes }, nextId);
  }

  /** A catalog without the scope. @internal */
  withoutScope(projectId: string, scopeId: string): Catalog {
    const project = this.projects.get(projectId);
    if (project === undefined) return this;
    const scopes = new Map(project.scopes);
    scopes.delete(scopeId);
    return this.withProject({ projectId, scopes });
  }

  /** A catalog with `table` added or replaced (its scope must exist). @internal */
  withTable(table: TableSchema, nextId = this.nextId): Catalog {
    const scope = this.requireScope(table.projectId, table.scopeId);
    const tables = new Map(scope.tables);
    tables.set(table.tableName, deepFreeze(table));
    return this.withScope({ ...scope, tables }, nextId);
  }

  /** A catalog without the table. @internal */
  withoutTable(projectId: string, scopeId: string, tableName: string): Catalog {
    const scope = this.scope(projectId, scopeId);
    if (scope === undefined) return this;
    const tables = new Map(scope.tables);
    tables.delete(tableName);
    return this.withScope({ ...scope, tables });
  }

  /** Every tree id the catalog references (KV spaces, table rows, indexes). */
  allTreeIds(): string[] {
    const ids: string[] = [];
    for (const project of this.projects.values()) {
      for (const scope of project.scopes.values()) ids.push(...scopeTreeIds(scope));
    }
    return ids;
  }
}

/** The serialized catalog, as stored in checkpoints. */
export interface CatalogPlain {
  nextId: number;
  projects: {
    projectId: string;
    scopes: { projectId: string; scopeId: string; scopeNum: number; tables: TableSchema[] }[];
  }[];
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
