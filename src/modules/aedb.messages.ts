/**
 * Message factories of the NestJS integration (one place for every text users read in a
 * startup failure or a log line).
 * @internal
 */

const quote = (s: string): string => JSON.stringify(s);

/** A module option failed validation. */
export const INVALID_MODULE_OPTIONS = (instance: string, detail: string): string =>
  `Invalid AedbModule options (instance ${quote(instance)}): ${detail}`;

/** `@ReactiveProcessor({ instance })` names an instance no `AedbModule` opens. */
export const UNKNOWN_PROCESSOR_INSTANCE = (
  className: string,
  instance: string,
  known: readonly string[],
): string =>
  `@ReactiveProcessor() on ${className} names the aedb instance ${quote(instance)}, but no AedbModule opens it ` +
  `(instances: ${known.map(quote).join(', ') || 'none'}).\n\nPotential solutions:\n` +
  `- Import AedbModule.forRoot({ name: ${quote(instance)}, dataDir }) in the application\n` +
  `- Fix the 'instance' option of the decorator (omit it for the default instance)`;

/** Two `AedbModule.forRoot*` calls open instances with the same name. */
export const DUPLICATE_INSTANCE = (instance: string): string =>
  `Two AedbModule.forRoot()/forRootAsync() calls open an instance named ${quote(instance)}: their providers ` +
  'would shadow each other. Give each data directory its own name (one forRoot may omit it), and import ' +
  'a shared AedbModule (isGlobal: true, or export it from one module) instead of calling forRoot twice.';

/** Two providers declare the same processor name on one instance. */
export const DUPLICATE_PROCESSOR = (
  instance: string,
  name: string,
  first: string,
  second: string,
): string =>
  `Reactive processor ${quote(name)} (instance ${quote(instance)}) is declared twice: by ${first} and by ${second}. ` +
  'Each processor name has one checkpoint; give each class its own name.';

/** A decorated class has no `handle` method. */
export const PROCESSOR_WITHOUT_HANDLE = (className: string): string =>
  `@ReactiveProcessor() class ${className} must implement ReactiveProcessorHandler: ` +
  'a method handle(events, ctx) that returns a Promise or nothing.';

/** A decorated class is request-scoped (or depends on a request-scoped provider). */
export const REQUEST_SCOPED_PROCESSOR = (className: string): string =>
  `@ReactiveProcessor() class ${className} is request-scoped (or injects a request-scoped provider). ` +
  'Processors run outside any request: make it (and what it injects) a default-scoped singleton.';

/** The secure-mode guard found no caller on a request. */
export const CALLER_REQUIRED = (instance: string, header: string): string =>
  `This route requires a caller (aedb instance ${quote(instance)} runs in secure mode): ` +
  `send the ${header} header, or the credentials the configured callerResolver reads.`;

/** A resolver returned something that is not a `CallerContext`. */
export const INVALID_CALLER = (instance: string, got: string): string =>
  `The callerResolver of aedb instance ${quote(instance)} returned ${got}; expected { callerId: string } ` +
  '(1-256 characters) or undefined.';

/** `@Caller()` ran on a route without `AedbCallerGuard`. */
export const CALLER_GUARD_MISSING =
  '@Caller() needs AedbCallerGuard on the route (or globally as APP_GUARD): the guard resolves the caller ' +
  'and the decorator reads what it stored.';

/** `getAedb*Token(name)` was asked for an invalid name. */
export const INVALID_INSTANCE_NAME = (got: unknown): string =>
  `aedb instance name: expected 1-64 characters of [A-Za-z0-9_.-], got ${describeValue(got)}`;

/** The health indicator or the guard could not find an instance. */
export const INSTANCE_NOT_FOUND = (instance: string): string =>
  `No aedb instance named ${quote(instance)} is registered: import AedbModule.forRoot({ name: ${quote(instance)}, dataDir }) ` +
  '(with isGlobal: true, or in the module that uses it).';

/** Describe any value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return `'${value.length > 80 ? `${value.slice(0, 80)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
