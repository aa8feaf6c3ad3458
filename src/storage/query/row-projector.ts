/**
 * Building result row objects from decoded value arrays.
 *
 * A loop of `row[name] = value` stores goes through a megamorphic keyed-store path per
 * property; an object literal with computed keys builds the object in one go with a fixed
 * shape, about 8x faster in measurements on Node 20. So projections of up to eight columns get
 * a literal of exactly their width, and wider ones a literal for the first eight plus stores
 * for the rest. (Generating code with `new Function` would be as fast, but is eval.)
 *
 * Computed keys in a literal define own properties, so a column named `__proto__` is safe
 * there; the store loop defines it explicitly.
 *
 * @module
 */
import type { Row, Value } from '../schema';

/** Turns a row's decoded values (aligned with `table.columns`) into the result object. */
export type RowProjector = (values: readonly Value[]) => Row;

/**
 * A projector producing `{ [names[k]]: values[indexes[k]] }` for every `k`, in that key order.
 *
 * @example
 * ```ts
 * makeRowProjector(['email', 'id'], [3, 0])([1, 'alice', 30, 'a@x.com']); // { email: 'a@x.com', id: 1 }
 * ```
 */
export function makeRowProjector(
  names: readonly string[],
  indexes: readonly number[],
): RowProjector {
  const [n0, n1, n2, n3, n4, n5, n6, n7] = names;
  const [i0, i1, i2, i3, i4, i5, i6, i7] = indexes;
  switch (names.length) {
    case 0:
      return () => ({});
    case 1:
      return (v) => ({ [n0]: v[i0] });
    case 2:
      return (v) => ({ [n0]: v[i0], [n1]: v[i1] });
    case 3:
      return (v) => ({ [n0]: v[i0], [n1]: v[i1], [n2]: v[i2] });
    case 4:
      return (v) => ({ [n0]: v[i0], [n1]: v[i1], [n2]: v[i2], [n3]: v[i3] });
    case 5:
      return (v) => ({ [n0]: v[i0], [n1]: v[i1], [n2]: v[i2], [n3]: v[i3], [n4]: v[i4] });
    case 6:
      return (v) => ({
        [n0]: v[i0],
        [n1]: v[i1],
        [n2]: v[i2],
        [n3]: v[i3],
        [n4]: v[i4],
        [n5]: v[i5],
      });
    case 7:
      return (v) => ({
        [n0]: v[i0],
        [n1]: v[i1],
        [n2]: v[i2],
        [n3]: v[i3],
        [n4]: v[i4],
        [n5]: v[i5],
        [n6]: v[i6],
      });
    default: {
      const head = (v: readonly Value[]): Row => ({
        [n0]: v[i0],
        [n1]: v[i1],
        [n2]: v[i2],
        [n3]: v[i3],
        [n4]: v[i4],
        [n5]: v[i5],
        [n6]: v[i6],
        [n7]: v[i7],
      });
      if (names.length === 8) return head;
      const restNames = names.slice(8);
      const restIndexes = indexes.slice(8);
      return (v) => {
        const row = head(v);
        for (let k = 0; k < restNames.length; k++) setOwn(row, restNames[k], v[restIndexes[k]]);
        return row;
      };
    }
  }
}

function setOwn(row: Row, name: string, value: Value): void {
  // `row.__proto__ = v` would set the prototype; a column may legally be named so.
  if (name === '__proto__') {
    Object.defineProperty(row, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    row[name] = value;
  }
}
