import { ValidationError } from './errors';

/**
 * Name rules for projects, scopes, tables, columns and indexes: `[A-Za-z0-9_-]{1,64}`.
 * Names are case-sensitive. The project `_system` is reserved for the engine's own tables.
 */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The reserved project that holds the engine's system tables. */
export const SYSTEM_PROJECT = '_system';

/** What kind of object a name belongs to (used in error messages). */
export type NameKind = 'project' | 'scope' | 'table' | 'column' | 'index';

/** Throw a `ValidationError` unless `name` is a valid name for `kind`. */
export function validateName(kind: NameKind, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new ValidationError(
      `${kind} name: expected 1-64 characters of [A-Za-z0-9_-], got ${
        typeof name === 'string' ? `'${name}'` : typeof name
      }`,
      { kind, name: typeof name === 'string' ? name : undefined },
    );
  }
}

/** Validate a project id for a user operation: a valid name that is not `_system`. */
export function validateUserProject(projectId: unknown): asserts projectId is string {
  validateName('project', projectId);
  if (projectId === SYSTEM_PROJECT) {
    throw new ValidationError(`project '${SYSTEM_PROJECT}' is reserved for engine tables`, {
      projectId,
    });
  }
}
