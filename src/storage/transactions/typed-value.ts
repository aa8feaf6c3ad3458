import { ValidationError } from '../errors';
import { decodeI64, decodeU256, encodeI64, encodeU256 } from '../numerics/numeric-codec';

/** The kinds of {@link TypedValue}. */
export type TypedValueType = 'i64' | 'u256' | 'bytes' | 'string' | 'set' | 'array';

const TAG: Record<TypedValueType, number> = {
  i64: 0x01,
  u256: 0x02,
  bytes: 0x03,
  string: 0x04,
  set: 0x05,
  array: 0x06,
};
const TYPE_OF_TAG = new Map(Object.entries(TAG).map(([t, tag]) => [tag, t as TypedValueType]));

type Payload = bigint | Uint8Array | string | ReadonlySet<string> | readonly TypedValue[];

/**
 * A typed KV value for the transaction builder (`db.transaction(...)`), stored as one tag byte
 * and a payload:
 *
 * | type | tag | payload |
 * |---|---|---|
 * | `i64` | `0x01` | 8 bytes two's complement big-endian |
 * | `u256` | `0x02` | 32 bytes big-endian |
 * | `bytes` | `0x03` | the bytes |
 * | `string` | `0x04` | UTF-8 |
 * | `set` | `0x05` | varint count, then per member (sorted): varint length + UTF-8 |
 * | `array` | `0x06` | varint count, then per item: varint length + the item's encoding |
 *
 * @example
 * ```ts
 * ctx.set('u1/balance', TypedValue.i64(balance - 100n));
 * const b = (await ctx.get('u1/balance')).asI64();
 * ```
 */
export class TypedValue {
  private constructor(
    readonly type: TypedValueType,
    private readonly payload: Payload,
  ) {
    Object.freeze(this);
  }

  static i64(value: bigint | number): TypedValue {
    encodeI64(value); // validates the range
    return new TypedValue('i64', BigInt(value));
  }

  static u256(value: bigint | number): TypedValue {
    encodeU256(value);
    return new TypedValue('u256', BigInt(value));
  }

  static bytes(value: Uint8Array): TypedValue {
    if (!(value instanceof Uint8Array))
      throw new ValidationError('TypedValue.bytes: expected a Uint8Array');
    return new TypedValue('bytes', Uint8Array.from(value));
  }

  static string(value: string): TypedValue {
    if (typeof value !== 'string')
      throw new ValidationError('TypedValue.string: expected a string');
    return new TypedValue('string', value);
  }

  static set(members: Iterable<string>): TypedValue {
    const set = new Set<string>();
    for (const m of members) {
      if (typeof m !== 'string')
        throw new ValidationError('TypedValue.set: members must be strings');
      set.add(m);
    }
    return new TypedValue('set', set);
  }

  static array(items: readonly TypedValue[]): TypedValue {
    if (!Array.isArray(items) || !items.every((i) => i instanceof TypedValue)) {
      throw new ValidationError('TypedValue.array: expected an array of TypedValue');
    }
    return new TypedValue('array', Object.freeze([...items]));
  }

  asI64(): bigint {
    return this.as('i64') as bigint;
  }

  asU256(): bigint {
    return this.as('u256') as bigint;
  }

  asBytes(): Uint8Array {
    return Uint8Array.from(this.as('bytes') as Uint8Array);
  }

  asString(): string {
    return this.as('string') as string;
  }

  asSet(): ReadonlySet<string> {
    return new Set(this.as('set') as ReadonlySet<string>);
  }

  asArray(): readonly TypedValue[] {
    return this.as('array') as readonly TypedValue[];
  }

  /** The stored bytes. */
  encode(): Uint8Array {
    const parts: Buffer[] = [Buffer.of(TAG[this.type])];
    switch (this.type) {
      case 'i64':
        parts.push(Buffer.from(encodeI64(this.payload as bigint)));
        break;
      case 'u256':
        parts.push(Buffer.from(encodeU256(this.payload as bigint)));
        break;
      case 'bytes':
        parts.push(Buffer.from(this.payload as Uint8Array));
        break;
      case 'string':
        parts.push(Buffer.from(this.payload as string, 'utf8'));
        break;
      case 'set': {
        const members = [...(this.payload as ReadonlySet<string>)].sort();
        parts.push(varint(members.length));
        for (const m of members) {
          const b = Buffer.from(m, 'utf8');
          parts.push(varint(b.length), b);
        }
        break;
      }
      case 'array': {
        const items = this.payload as readonly TypedValue[];
        parts.push(varint(items.length));
        for (const item of items) {
          const b = Buffer.from(item.encode());
          parts.push(varint(b.length), b);
        }
        break;
      }
    }
    return Buffer.concat(parts);
  }

  /** Decode stored bytes; a value not written as a TypedValue is a `ValidationError`. */
  static decode(bytes: Uint8Array): TypedValue {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const type = TYPE_OF_TAG.get(buf[0]);
    if (type === undefined) {
      throw new ValidationError(`TypedValue.decode: unknown tag 0x${(buf[0] ?? 0).toString(16)}`);
    }
    const body = buf.subarray(1);
    switch (type) {
      case 'i64':
        return new TypedValue(type, decodeI64(body));
      case 'u256':
        return new TypedValue(type, decodeU256(body));
      case 'bytes':
        return new TypedValue(type, Uint8Array.from(body));
      case 'string':
        return new TypedValue(type, body.toString('utf8'));
      case 'set':
      case 'array': {
        const reader = { pos: 0 };
        const n = readVarint(body, reader);
        const out: (string | TypedValue)[] = [];
        for (let i = 0; i < n; i++) {
          const len = readVarint(body, reader);
          if (reader.pos + len > body.length)
            throw new ValidationError('TypedValue.decode: truncated');
          const part = body.subarray(reader.pos, reader.pos + len);
          reader.pos += len;
          out.push(type === 'set' ? part.toString('utf8') : TypedValue.decode(part));
        }
        return type === 'set'
          ? new TypedValue(type, new Set(out as string[]))
          : new TypedValue(type, Object.freeze(out as TypedValue[]));
      }
    }
  }

  private as(type: TypedValueType): Payload {
    if (this.type !== type) {
      throw new ValidationError(`TypedValue: expected ${type}, found ${this.type}`);
    }
    return this.payload;
  }
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function readVarint(buf: Buffer, reader: { pos: number }): number {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    const b = buf[reader.pos++];
    if (b === undefined) throw new ValidationError('TypedValue.decode: truncated');
    result |= (b & 0x7f) << shift;
    if (b < 0x80) return result >>> 0;
    shift += 7;
  }
  throw new ValidationError('TypedValue.decode: bad length');
}
