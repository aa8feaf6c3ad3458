import { ValidationError } from '../errors';
import type { CheckpointTree } from './checkpoint-encoder';
import { CHECKPOINT_CHAIN_HEAD_SIZE, CHECKPOINT_MAX_TREE_ID_BYTES } from './checkpoint-format';
import { isVarintValue } from './varint';

/** The checkpoint image fields {@link validateCheckpointImage} checks. */
export interface CheckpointImageFields {
  readonly seq: number;
  readonly createdAtMicros: number;
  readonly chainHead: Uint8Array;
  readonly meta: Uint8Array;
  readonly trees: readonly CheckpointTree[];
}

/** What validation derives from an image for the encoder. */
export interface PreparedImage {
  /** Each tree id as UTF-8. */
  readonly idBytes: Buffer[];
  /** Each tree's entry count at the start of the checkpoint. */
  readonly sizes: number[];
}

const U32_MAX = 0xffff_ffff;

/** Default slice budget of the checkpoint writer, ms. */
export const DEFAULT_SLICE_BUDGET_MS = 4;
/** Default size of each of the writer's two encode buffers, bytes. */
export const DEFAULT_CHUNK_BYTES = 512 * 1024;

/**
 * Check an image before any file is created, so a malformed one fails fast and leaves nothing
 * behind.
 * @throws ValidationError naming the field.
 */
export function validateCheckpointImage(image: CheckpointImageFields): PreparedImage {
  if (!isVarintValue(image.seq)) {
    throw new ValidationError(`checkpoint seq must be a safe non-negative integer`, {
      seq: image.seq,
    });
  }
  if (!isVarintValue(image.createdAtMicros)) {
    throw new ValidationError(`checkpoint createdAtMicros must be a safe non-negative integer`, {
      createdAtMicros: image.createdAtMicros,
    });
  }
  if (
    !(image.chainHead instanceof Uint8Array) ||
    image.chainHead.length !== CHECKPOINT_CHAIN_HEAD_SIZE
  ) {
    throw new ValidationError(`checkpoint chainHead must be ${CHECKPOINT_CHAIN_HEAD_SIZE} bytes`);
  }
  if (!(image.meta instanceof Uint8Array) || image.meta.length > U32_MAX) {
    throw new ValidationError(`checkpoint meta must be a Uint8Array of at most ${U32_MAX} bytes`);
  }
  if (image.trees.length > U32_MAX) {
    throw new ValidationError(`checkpoint has too many trees (${image.trees.length})`);
  }
  const seen = new Set<string>();
  const idBytes: Buffer[] = [];
  const sizes: number[] = [];
  for (const tree of image.trees) {
    const id = tree.id;
    const bytes = Buffer.from(id, 'utf8');
    // Lone surrogates would not survive UTF-8; the reader must return the id unchanged.
    if (bytes.toString('utf8') !== id || bytes.length > CHECKPOINT_MAX_TREE_ID_BYTES) {
      throw new ValidationError(
        `checkpoint tree id '${id}' must be well-formed text of at most ${CHECKPOINT_MAX_TREE_ID_BYTES} UTF-8 bytes`,
        { tree: id },
      );
    }
    if (seen.has(id)) {
      throw new ValidationError(`checkpoint tree id '${id}' appears twice`, { tree: id });
    }
    seen.add(id);
    const size = tree.map.size;
    if (!isVarintValue(size)) {
      throw new ValidationError(`checkpoint tree '${id}' has an invalid size ${size}`, {
        tree: id,
      });
    }
    idBytes.push(bytes);
    sizes.push(size);
  }
  return { idBytes, sizes };
}

/** Checked write options with defaults applied. */
export interface WriteSettings {
  readonly budgetMs: number;
  readonly chunkBytes: number;
}

/**
 * Check the writer options and apply defaults.
 * @throws ValidationError naming the option.
 */
export function validateWriteOptions(opts: {
  readonly hmacKey?: Uint8Array;
  readonly sliceBudgetMs?: number;
  readonly chunkBytes?: number;
}): WriteSettings {
  const budgetMs = opts.sliceBudgetMs ?? DEFAULT_SLICE_BUDGET_MS;
  if (!(budgetMs > 0 && Number.isFinite(budgetMs))) {
    throw new ValidationError(`sliceBudgetMs must be a positive number of milliseconds`, {
      sliceBudgetMs: opts.sliceBudgetMs,
    });
  }
  const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!(Number.isInteger(chunkBytes) && chunkBytes >= 4096 && chunkBytes <= 1 << 30)) {
    throw new ValidationError(`chunkBytes must be an integer from 4096 to 2^30`, {
      chunkBytes: opts.chunkBytes,
    });
  }
  validateHmacKey(opts.hmacKey);
  return { budgetMs, chunkBytes };
}

/**
 * An HMAC key, when given, must be a non-empty byte array.
 * @throws ValidationError otherwise.
 */
export function validateHmacKey(key: Uint8Array | undefined): void {
  if (key !== undefined && !(key instanceof Uint8Array && key.length > 0)) {
    throw new ValidationError(`hmacKey must be a non-empty Uint8Array`);
  }
}
