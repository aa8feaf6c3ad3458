import type { Mutation } from '../storage/mutation';
import type { Row } from '../storage/schema';
import type { ConsistencyMode } from '../storage/storage-engine';
import {
  nowMicros,
  systemDelete,
  systemRow,
  systemRows,
  systemUpsert,
  type ProcessorEngine,
} from './processor-engine';
import {
  optionsFromJson,
  optionsToJson,
  type ResolvedProcessorOptions,
} from './reactive-processor-options';

const TABLE = 'reactive_processor_registry';

/** A processor registration as persisted in `_system.app.reactive_processor_registry`. */
export interface ProcessorRegistration {
  readonly processorName: string;
  readonly options: ResolvedProcessorOptions;
  /** `false` once paused: a restart does not resume it. */
  readonly enabled: boolean;
  /** When the registration last changed (epoch microseconds). */
  readonly updatedAtMicros: number;
}

/** Durable processor registrations (options and enabled state). */
export class RegistryStore {
  constructor(private readonly engine: ProcessorEngine) {}

  /** The registration of `name` at `consistency`, if any. */
  get(name: string, consistency: ConsistencyMode = 'atLatest'): ProcessorRegistration | undefined {
    const row = systemRow(this.engine.systemSnapshot(consistency), TABLE, 'processor_name', name);
    return row === undefined ? undefined : fromRow(row);
  }

  /** Every registration, by name. */
  list(consistency: ConsistencyMode = 'atLatest'): ProcessorRegistration[] {
    return systemRows(this.engine.systemSnapshot(consistency), TABLE).map(fromRow);
  }

  /** The upsert that records `name` with `options` and `enabled`. */
  upsert(name: string, options: ResolvedProcessorOptions, enabled: boolean): Mutation {
    return systemUpsert(TABLE, {
      processor_name: name,
      options_json: optionsToJson(options),
      enabled,
      updated_at_micros: nowMicros(),
    });
  }

  /** The delete of the registration of `name`. */
  remove(name: string): Mutation {
    return systemDelete(TABLE, { processor_name: name });
  }
}

function fromRow(row: Row): ProcessorRegistration {
  const name = row.processor_name as string;
  return {
    processorName: name,
    options: optionsFromJson(name, row.options_json as string),
    enabled: row.enabled as boolean,
    updatedAtMicros: row.updated_at_micros as number,
  };
}
