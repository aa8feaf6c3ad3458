import { Packr } from 'msgpackr';
import type { CatalogPlain } from '../catalog/catalog';
import { CorruptionError, describeError } from '../errors';

/**
 * The engine's metadata blob inside a checkpoint: everything that is not a tree entry.
 * msgpackr with plain maps (no shared structures), so a checkpoint decodes on its own.
 * `format` lets later versions add fields (idempotency records, processor state) compatibly.
 */
export interface CheckpointMeta {
  readonly format: 1;
  readonly catalog: CatalogPlain;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

/** Encode the metadata blob. */
export function encodeCheckpointMeta(meta: CheckpointMeta): Buffer {
  return packr.pack(meta);
}

/** Decode and sanity-check the metadata blob of `file`. */
export function decodeCheckpointMeta(bytes: Buffer, file: string): CheckpointMeta {
  let meta: unknown;
  try {
    meta = packr.unpack(bytes);
  } catch (err) {
    throw new CorruptionError(
      `checkpoint ${file}: metadata does not decode: ${describeError(err)}`,
      { file },
    );
  }
  const m = meta as Partial<CheckpointMeta> | null;
  if (
    m === null ||
    typeof m !== 'object' ||
    m.format !== 1 ||
    typeof m.catalog !== 'object' ||
    m.catalog === null
  ) {
    throw new CorruptionError(`checkpoint ${file}: metadata has an unknown format`, { file });
  }
  return m as CheckpointMeta;
}
