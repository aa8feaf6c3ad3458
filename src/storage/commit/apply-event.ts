import { ValidationError, AlreadyExistsError } from '../errors';
import { SYSTEM_PROJECT, validateName, validateUserProject } from '../names';
import type { EmitEventMutation } from '../mutation';
import type { Value } from '../schema';
import { SYSTEM_SCOPE, SYSTEM_TABLES, type SystemTableName } from '../system/system-tables';
import { normalizeRow } from '../values/normalize-value';
import { applyDdl, writeRow, type ApplyContext } from './apply-primitives';
import { rowPrimaryKey, tableLayout } from './table-layout';

const MAX_TOPIC = 256;
const MAX_EVENT_KEY = 1024;
/** Whether `s` has a control character (they would make topics unreadable in logs and tools). */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * Create a system table (and the `_system` project and scope) inside the current commit if it
 * does not exist yet. A no-op when it does: one catalog lookup.
 */
export function ensureSystemTable(ctx: ApplyContext, name: SystemTableName): void {
  if (ctx.state.catalog.table(SYSTEM_PROJECT, SYSTEM_SCOPE, name) !== undefined) return;
  const allowSystem = ctx.allowSystem;
  ctx.allowSystem = true;
  try {
    applyDdl(ctx, { type: 'createProject', projectId: SYSTEM_PROJECT, ifNotExists: true });
    applyDdl(ctx, {
      type: 'createScope',
      projectId: SYSTEM_PROJECT,
      scopeId: SYSTEM_SCOPE,
      ifNotExists: true,
    });
    const def = SYSTEM_TABLES[name];
    applyDdl(ctx, def.table);
    for (const index of def.indexes) applyDdl(ctx, index);
  } finally {
    ctx.allowSystem = allowSystem;
  }
}

/** Apply an `emitEvent` mutation: one row in `_system.app.event_outbox`. */
export function applyEmitEvent(ctx: ApplyContext, m: EmitEventMutation): void {
  if (!(ctx.allowSystem && m.projectId === SYSTEM_PROJECT)) validateUserProject(m.projectId);
  validateName('scope', m.scopeId);
  ctx.state.catalog.requireScope(m.projectId, m.scopeId);
  checkText('topic', m.topic, MAX_TOPIC);
  checkText('eventKey', m.eventKey, MAX_EVENT_KEY);
  if (typeof m.payloadJson !== 'string') {
    throw new ValidationError(
      `emitEvent topic '${m.topic}' key '${m.eventKey}': payloadJson must be a string of JSON, got ${typeof m.payloadJson}`,
    );
  }
  const bytes = Buffer.byteLength(m.payloadJson, 'utf8');
  if (bytes > ctx.config.maxEventPayloadBytes) {
    throw new ValidationError(
      `emitEvent topic '${m.topic}' key '${m.eventKey}': payload is ${bytes} bytes, above maxEventPayloadBytes (${ctx.config.maxEventPayloadBytes})`,
      { topic: m.topic, eventKey: m.eventKey, payloadBytes: bytes },
    );
  }
  try {
    JSON.parse(m.payloadJson);
  } catch (err) {
    throw new ValidationError(
      `emitEvent topic '${m.topic}' key '${m.eventKey}': payloadJson is not valid JSON (${(err as Error).message})`,
      { topic: m.topic, eventKey: m.eventKey },
    );
  }
  ensureSystemTable(ctx, 'event_outbox');
  const layout = tableLayout(
    ctx.state.catalog.requireTable(SYSTEM_PROJECT, SYSTEM_SCOPE, 'event_outbox'),
  );
  const values = normalizeRow(
    layout.table,
    {
      commit_seq: ctx.seq,
      topic: m.topic,
      event_key: m.eventKey,
      ts_micros: ctx.timestampMicros,
      project_id: m.projectId,
      scope_id: m.scopeId,
      payload_json: m.payloadJson,
    },
    'full',
  ) as Value[];
  const pk = rowPrimaryKey(layout, values);
  if (ctx.state.tree(layout.rowsTreeId).get(pk) !== undefined) {
    throw new AlreadyExistsError(
      `emitEvent: topic '${m.topic}' key '${m.eventKey}' is emitted twice in one commit`,
      { topic: m.topic, eventKey: m.eventKey },
    );
  }
  writeRow(ctx, layout, pk, undefined, values);
  (ctx.topics ??= new Set()).add(m.topic);
}

function checkText(what: string, value: unknown, max: number): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || hasControl(value)) {
    throw new ValidationError(
      `emitEvent ${what}: expected 1-${max} characters without control characters, got ${
        typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value
      }`,
      { [what]: typeof value === 'string' ? value : undefined },
    );
  }
}
