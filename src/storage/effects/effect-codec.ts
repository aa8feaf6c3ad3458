import { Packr } from 'msgpackr';
import type { CatalogEffect } from '../catalog/catalog-effect';
import { ByteReader, type ByteWriter } from './byte-writer';

/**
 * The WAL payload of one commit: its resolved effects, in apply order.
 *
 * ```
 * effect := 0x01 PUT     treeId key value
 *         | 0x02 DEL     treeId key
 *         | 0x03 CATALOG msgpack(CatalogEffect)
 * treeId, key, value := varint length, then the bytes (byte strings, one byte per code unit)
 * ```
 *
 * Why not msgpack for everything: keys and values are byte strings; msgpack would encode their
 * high bytes as two-byte UTF-8 or need a Buffer copy per value, while this layout writes each
 * with one `latin1Write`. Catalog changes are rare and structured, so they use msgpackr (plain
 * maps, no shared structures: every frame must decode on its own after a crash).
 */
export const EffectTag = {
  PUT: 0x01,
  DEL: 0x02,
  CATALOG: 0x03,
} as const;

const catalogPackr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  // Catalog effects hold only small integers and strings; keep numbers as numbers.
  int64AsType: 'number',
});

/** Encode a put. */
export function writePut(w: ByteWriter, treeId: string, key: string, value: string): void {
  w.u8(EffectTag.PUT);
  w.latin1(treeId);
  w.latin1(key);
  w.latin1(value);
}

/** Encode a delete. */
export function writeDel(w: ByteWriter, treeId: string, key: string): void {
  w.u8(EffectTag.DEL);
  w.latin1(treeId);
  w.latin1(key);
}

/** Encode a catalog change. */
export function writeCatalog(w: ByteWriter, effect: CatalogEffect): void {
  w.u8(EffectTag.CATALOG);
  w.bytes(catalogPackr.pack(effect));
}

/** Receives decoded effects (the working state during replay and `atSeq` materialization). */
export interface EffectVisitor {
  put(treeId: string, key: string, value: string): void;
  del(treeId: string, key: string): void;
  catalog(effect: CatalogEffect): void;
}

/**
 * Decode the effects in `buf[start, end)` and pass each to `visitor`.
 * Throws a `RangeError` on malformed input (the caller turns it into a `CorruptionError`).
 */
export function readEffects(buf: Buffer, start: number, end: number, visitor: EffectVisitor): void {
  const r = new ByteReader(buf, start, end);
  while (!r.done) {
    const tag = r.u8();
    if (tag === EffectTag.PUT) {
      const treeId = r.latin1();
      const key = r.latin1();
      visitor.put(treeId, key, r.latin1());
    } else if (tag === EffectTag.DEL) {
      const treeId = r.latin1();
      visitor.del(treeId, r.latin1());
    } else if (tag === EffectTag.CATALOG) {
      visitor.catalog(catalogPackr.unpack(r.bytes()) as CatalogEffect);
    } else {
      throw new RangeError(`unknown effect tag 0x${tag.toString(16)} at byte ${r.pos - 1}`);
    }
  }
}
