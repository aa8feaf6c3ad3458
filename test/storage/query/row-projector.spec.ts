import { makeRowProjector } from '../../../src/storage/query/row-projector';

describe('makeRowProjector', () => {
  it('builds rows of every width with the keys in select order', () => {
    const values = Array.from({ length: 12 }, (_, i) => i * 10);
    for (let width = 0; width <= 12; width++) {
      const indexes = Array.from({ length: width }, (_, k) => 11 - k);
      const names = indexes.map((i) => `c${i}`);
      const row = makeRowProjector(names, indexes)(values);
      expect(Object.keys(row)).toEqual(names);
      for (const i of indexes) expect(row[`c${i}`]).toBe(i * 10);
    }
  });

  it('keeps a column named __proto__ an own property, in literals and in the store loop', () => {
    for (const width of [1, 9]) {
      const names = Array.from({ length: width }, (_, k) =>
        k === width - 1 ? '__proto__' : `c${k}`,
      );
      const row = makeRowProjector(
        names,
        names.map((_, k) => k),
      )(names.map(() => 'x'));
      expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
      expect(Object.prototype.hasOwnProperty.call(row, '__proto__')).toBe(true);
      expect(Object.keys(row)).toEqual(names);
    }
  });
});
