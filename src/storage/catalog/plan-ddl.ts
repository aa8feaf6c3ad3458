import { AlreadyExistsError, NotFoundError, ValidationError } from '../errors';
import { SYSTEM_PROJECT, validateName } from '../names';
import { describeValue } from '../values/normalize-value';
import {
  COLUMN_TYPES,
  KEYABLE_COLUMN_TYPES,
  type ColumnDef,
  type ColumnSchema,
  type IndexSchema,
  type TableSchema,
} from '../schema';
import type { Catalog } from './catalog';
import type { CatalogEffect } from './catalog-effect';
import type { AlterTableOp, CreateIndexOp, CreateTableOp, DdlOperation } from './ddl-operation';

/** Limits that keep schemas sane. */
const MAX_COLUMNS = 1024;
const MAX_KEY_COLUMNS = 16;

/**
 * Validate a DDL request against the catalog and resolve it into catalog effects.
 * Returns an empty list when `ifNotExists` / `ifExists` makes the request a no-op.
 *
 * @param allowSystem whether the `_system` project may be touched (engine-internal callers only)
 */
export function planDdl(catalog: Catalog, op: unknown, allowSystem = false): CatalogEffect[] {
  if (op === null || typeof op !== 'object') {
    throw new ValidationError(`ddl: expected an operation object, got ${typeof op}`);
  }
  const ddl = op as DdlOperation;
  const projectId = ddl.projectId;
  validateName('project', projectId);
  if (projectId === SYSTEM_PROJECT && !allowSystem) {
    throw new ValidationError(`project '${SYSTEM_PROJECT}' is reserved for engine tables`, {
      projectId,
    });
  }
  switch (ddl.type) {
    case 'createProject':
      if (catalog.project(projectId) !== undefined) {
        if (ddl.ifNotExists === true) return [];
        throw new AlreadyExistsError(`project '${projectId}' already exists`, { projectId });
      }
      return [{ kind: 'putProject', projectId }];
    case 'dropProject':
      if (catalog.project(projectId) === undefined) {
        if (ddl.ifExists === true) return [];
        throw new NotFoundError(`project '${projectId}' does not exist`, { projectId });
      }
      return [{ kind: 'dropProject', projectId }];
    case 'createScope': {
      validateName('scope', ddl.scopeId);
      const project = catalog.project(projectId);
      if (project === undefined) {
        throw new NotFoundError(`project '${projectId}' does not exist`, { projectId });
      }
      if (project.scopes.has(ddl.scopeId)) {
        if (ddl.ifNotExists === true) return [];
        throw new AlreadyExistsError(`scope '${projectId}.${ddl.scopeId}' already exists`, {
          projectId,
          scopeId: ddl.scopeId,
        });
      }
      return [{ kind: 'putScope', projectId, scopeId: ddl.scopeId, scopeNum: catalog.nextId }];
    }
    case 'dropScope': {
      validateName('scope', ddl.scopeId);
      if (catalog.scope(projectId, ddl.scopeId) === undefined) {
        if (ddl.ifExists === true && catalog.project(projectId) !== undefined) return [];
        catalog.requireScope(projectId, ddl.scopeId);
      }
      return [{ kind: 'dropScope', projectId, scopeId: ddl.scopeId }];
    }
    case 'createTable':
      return planCreateTable(catalog, ddl);
    case 'alterTable':
      return planAlterTable(catalog, ddl);
    case 'dropTable': {
      validateName('scope', ddl.scopeId);
      validateName('table', ddl.tableName);
      const scope = catalog.requireScope(projectId, ddl.scopeId);
      if (!scope.tables.has(ddl.tableName)) {
        if (ddl.ifExists === true) return [];
        catalog.requireTable(projectId, ddl.scopeId, ddl.tableName);
      }
      return [{ kind: 'dropTable', projectId, scopeId: ddl.scopeId, tableName: ddl.tableName }];
    }
    case 'createIndex':
      return planCreateIndex(catalog, ddl);
    case 'dropIndex': {
      validateName('index', ddl.indexName);
      const table = requireTable(catalog, ddl);
      if (!table.indexes.some((i) => i.name === ddl.indexName)) {
        if (ddl.ifExists === true) return [];
        throw new NotFoundError(`index '${ddl.indexName}' does not exist on ${where(table)}`, {
          ...loc(table),
          index: ddl.indexName,
        });
      }
      return [
        {
          kind: 'putTable',
          table: { ...table, indexes: table.indexes.filter((i) => i.name !== ddl.indexName) },
        },
      ];
    }
    default:
      throw new ValidationError(
        `ddl: unknown operation type ${describeValue((ddl as { type?: unknown }).type)}; expected ` +
          'createProject, dropProject, createScope, dropScope, createTable, alterTable, dropTable, ' +
          'createIndex or dropIndex',
      );
  }
}

function planCreateTable(catalog: Catalog, op: CreateTableOp): CatalogEffect[] {
  validateName('scope', op.scopeId);
  validateName('table', op.tableName);
  const scope = catalog.requireScope(op.projectId, op.scopeId);
  const name = `${op.projectId}.${op.scopeId}.${op.tableName}`;
  if (scope.tables.has(op.tableName)) {
    if (op.ifNotExists === true) return [];
    throw new AlreadyExistsError(`table '${name}' already exists`, {
      projectId: op.projectId,
      scopeId: op.scopeId,
      tableName: op.tableName,
    });
  }
  if (!Array.isArray(op.columns) || op.columns.length === 0 || op.columns.length > MAX_COLUMNS) {
    throw new ValidationError(
      `table '${name}': columns must be an array of 1-${MAX_COLUMNS} columns`,
    );
  }
  const columns: ColumnSchema[] = [];
  for (const def of op.columns as readonly unknown[]) {
    const column = checkColumnDef(name, def, columns.length + 1);
    if (columns.some((c) => c.name === column.name)) {
      throw new ValidationError(`table '${name}': duplicate column '${column.name}'`, {
        column: column.name,
      });
    }
    columns.push(column);
  }
  const primaryKey = checkKeyColumns(name, 'primary key', op.primaryKey, columns);
  for (const col of primaryKey) {
    const column = columns.find((c) => c.name === col) as ColumnSchema;
    if (column.nullable) {
      throw new ValidationError(
        `table '${name}': primary key column '${col}' must not be nullable`,
        {
          column: col,
        },
      );
    }
  }
  const table: TableSchema = {
    projectId: op.projectId,
    scopeId: op.scopeId,
    tableName: op.tableName,
    tableId: catalog.nextId,
    columns,
    primaryKey,
    indexes: [],
    nextColumnId: columns.length + 1,
    nextIndexId: 1,
  };
  return [{ kind: 'putTable', table }];
}

function planAlterTable(catalog: Catalog, op: AlterTableOp): CatalogEffect[] {
  const table = requireTable(catalog, op);
  const name = where(table);
  const alteration = op.alteration as AlterTableOp['alteration'] | undefined;
  if (alteration === null || typeof alteration !== 'object') {
    throw new ValidationError(`alterTable ${name}: expected an alteration object`);
  }
  switch (alteration.type) {
    case 'addColumn': {
      const column = checkColumnDef(name, alteration.column, table.nextColumnId);
      if (table.columns.some((c) => c.name === column.name)) {
        throw new AlreadyExistsError(`${name}: column '${column.name}' already exists`, {
          ...loc(table),
          column: column.name,
        });
      }
      if (!column.nullable) {
        throw new ValidationError(
          `${name}: added column '${column.name}' must be nullable (existing rows have no value for it)`,
          { ...loc(table), column: column.name },
        );
      }
      return [
        {
          kind: 'putTable',
          table: { ...table, columns: [...table.columns, column], nextColumnId: column.id + 1 },
        },
      ];
    }
    case 'dropColumn': {
      const column = requireColumn(table, alteration.name);
      if (table.primaryKey.includes(column.name)) {
        throw new ValidationError(`${name}: cannot drop primary key column '${column.name}'`, {
          ...loc(table),
          column: column.name,
        });
      }
      const index = table.indexes.find((i) => i.columns.includes(column.name));
      if (index !== undefined) {
        throw new ValidationError(
          `${name}: cannot drop column '${column.name}' used by index '${index.name}' (drop the index first)`,
          { ...loc(table), column: column.name, index: index.name },
        );
      }
      if (table.columns.length === 1) {
        throw new ValidationError(`${name}: cannot drop the last column`);
      }
      return [
        {
          kind: 'putTable',
          table: { ...table, columns: table.columns.filter((c) => c.id !== column.id) },
        },
      ];
    }
    case 'renameColumn': {
      const column = requireColumn(table, alteration.from);
      validateName('column', alteration.to);
      const to = alteration.to;
      if (table.columns.some((c) => c.name === to)) {
        throw new AlreadyExistsError(`${name}: column '${to}' already exists`, {
          ...loc(table),
          column: to,
        });
      }
      const rename = (c: string) => (c === column.name ? to : c);
      return [
        {
          kind: 'putTable',
          table: {
            ...table,
            columns: table.columns.map((c) => (c.id === column.id ? { ...c, name: to } : c)),
            primaryKey: table.primaryKey.map(rename),
            indexes: table.indexes.map((i) => ({ ...i, columns: i.columns.map(rename) })),
          },
        },
      ];
    }
    default:
      throw new ValidationError(
        `alterTable ${name}: unknown alteration type ${describeValue(
          (alteration as { type?: unknown }).type,
        )}; expected addColumn, dropColumn or renameColumn`,
      );
  }
}

function planCreateIndex(catalog: Catalog, op: CreateIndexOp): CatalogEffect[] {
  validateName('index', op.indexName);
  const table = requireTable(catalog, op);
  const name = where(table);
  if (table.indexes.some((i) => i.name === op.indexName)) {
    if (op.ifNotExists === true) return [];
    throw new AlreadyExistsError(`index '${op.indexName}' already exists on ${name}`, {
      ...loc(table),
      index: op.indexName,
    });
  }
  if (op.unique !== undefined && typeof op.unique !== 'boolean') {
    throw new ValidationError(`index '${op.indexName}' on ${name}: unique must be a boolean`);
  }
  const columns = checkKeyColumns(`${name} index '${op.indexName}'`, 'columns', op.columns, [
    ...table.columns,
  ]);
  const index: IndexSchema = {
    id: table.nextIndexId,
    name: op.indexName,
    columns,
    unique: op.unique === true,
  };
  return [
    {
      kind: 'putTable',
      table: { ...table, indexes: [...table.indexes, index], nextIndexId: index.id + 1 },
    },
  ];
}

function checkColumnDef(tableName: string, def: unknown, id: number): ColumnSchema {
  if (def === null || typeof def !== 'object') {
    throw new ValidationError(`table '${tableName}': each column must be an object { name, type }`);
  }
  const { name, type, nullable } = def as Partial<ColumnDef>;
  validateName('column', name);
  if (typeof type !== 'string' || !(COLUMN_TYPES as readonly string[]).includes(type)) {
    throw new ValidationError(
      `table '${tableName}' column '${name}': type must be one of ${COLUMN_TYPES.join(', ')}, got ${describeValue(type)}`,
      { column: name },
    );
  }
  if (nullable !== undefined && typeof nullable !== 'boolean') {
    throw new ValidationError(`table '${tableName}' column '${name}': nullable must be a boolean`, {
      column: name,
    });
  }
  return { id, name, type, nullable: nullable === true };
}

function checkKeyColumns(
  what: string,
  label: string,
  names: unknown,
  columns: readonly ColumnSchema[],
): string[] {
  if (!Array.isArray(names) || names.length === 0 || names.length > MAX_KEY_COLUMNS) {
    throw new ValidationError(`${what}: ${label} must list 1-${MAX_KEY_COLUMNS} column names`);
  }
  const seen = new Set<string>();
  for (const col of names as unknown[]) {
    const column = columns.find((c) => c.name === col);
    if (column === undefined) {
      throw new ValidationError(
        `${what}: ${label} column ${describeValue(col)} is not a column (columns: ${columns
          .map((c) => c.name)
          .join(', ')})`,
        { column: col },
      );
    }
    if (!KEYABLE_COLUMN_TYPES.includes(column.type)) {
      throw new ValidationError(
        `${what}: ${label} column '${column.name}' has type ${column.type}, which cannot be keyed`,
        { column: column.name },
      );
    }
    if (seen.has(column.name)) {
      throw new ValidationError(`${what}: ${label} lists column '${column.name}' twice`);
    }
    seen.add(column.name);
  }
  return [...seen];
}

function requireTable(
  catalog: Catalog,
  op: { projectId: string; scopeId: string; tableName: string },
): TableSchema {
  validateName('scope', op.scopeId);
  validateName('table', op.tableName);
  return catalog.requireTable(op.projectId, op.scopeId, op.tableName);
}

function requireColumn(table: TableSchema, name: unknown): ColumnSchema {
  const column = table.columns.find((c) => c.name === name);
  if (column === undefined) {
    throw new NotFoundError(
      `${where(table)}: column ${describeValue(name)} does not exist (columns: ${table.columns
        .map((c) => c.name)
        .join(', ')})`,
      { ...loc(table), column: name },
    );
  }
  return column;
}

function where(table: TableSchema): string {
  return `table '${table.projectId}.${table.scopeId}.${table.tableName}'`;
}

function loc(table: TableSchema) {
  return { projectId: table.projectId, scopeId: table.scopeId, tableName: table.tableName };
}
