import { ValidationError } from '../../../src/storage/errors';
import { Expr, MAX_EXPR_DEPTH, MAX_IN_VALUES } from '../../../src/storage/query/expr';

function thrown(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('Expr', () => {
  it('builds frozen nodes discriminated by kind', () => {
    const e = Expr.and(Expr.eq('a', 1), Expr.not(Expr.isNull('b')), Expr.in('c', [1, 2]));
    expect(e).toEqual({
      kind: 'and',
      operands: [
        { kind: 'eq', column: 'a', value: 1 },
        { kind: 'not', operand: { kind: 'isNull', column: 'b' } },
        { kind: 'in', column: 'c', values: [1, 2] },
      ],
    });
    expect(Object.isFrozen(e)).toBe(true);
    expect(e.kind === 'and' && Object.isFrozen(e.operands)).toBe(true);
    expect(Expr.between('x', 1, 2)).toEqual({ kind: 'between', column: 'x', low: 1, high: 2 });
    expect(Expr.like('x', 'a%')).toEqual({ kind: 'like', column: 'x', pattern: 'a%' });
    for (const f of [Expr.ne, Expr.lt, Expr.lte, Expr.gt, Expr.gte]) {
      expect(Object.isFrozen(f('x', 1))).toBe(true);
    }
  });

  it('copies mutable literals so later edits cannot change the tree', () => {
    const bytes = new Uint8Array([1, 2]);
    const json = { a: [1] };
    const list = [1, 2];
    const e1 = Expr.eq('b', bytes);
    const e2 = Expr.eq('j', json);
    const e3 = Expr.in('n', list);
    bytes[0] = 9;
    json.a.push(2);
    list.push(3);
    expect(e1).toMatchObject({ value: new Uint8Array([1, 2]) });
    expect(e2).toMatchObject({ value: { a: [1] } });
    expect(e3).toMatchObject({ values: [1, 2] });
  });

  it('rejects bad column names and non-values', () => {
    expect(thrown(() => Expr.eq('', 1)).code).toBe('VALIDATION');
    expect(thrown(() => Expr.eq(42 as unknown as string, 1)).message).toMatch(/column name/);
    expect(thrown(() => Expr.eq('age', undefined)).message).toMatch(/column 'age'.*undefined/);
    expect(thrown(() => Expr.lt('age', NaN)).message).toMatch(/column 'age'.*NaN/);
    expect(thrown(() => Expr.in('age', [1, () => 2])).message).toMatch(/column 'age'/);
    expect(thrown(() => Expr.in('age', 'abc' as unknown as unknown[])).message).toMatch(/array/);
    expect(thrown(() => Expr.like('name', 5 as unknown as string)).message).toMatch(
      /column 'name'/,
    );
    expect(thrown(() => Expr.like('name', 'a\\')).message).toMatch(/column 'name'/);
    expect(thrown(() => Expr.not({} as Expr)).message).toMatch(/Expr/);
  });

  it('limits in to 10,000 values', () => {
    expect(() => Expr.in('id', new Array<number>(MAX_IN_VALUES).fill(1))).not.toThrow();
    const err = thrown(() => Expr.in('id', new Array<number>(MAX_IN_VALUES + 1).fill(1)));
    expect(err.message).toMatch(/column 'id'.*10000/);
  });

  it('limits depth to 32', () => {
    let e = Expr.isNull('a'); // depth 1
    for (let d = 2; d <= MAX_EXPR_DEPTH; d++)
      e = d % 2 === 0 ? Expr.not(e) : Expr.and(e, Expr.eq('b', 1));
    expect(thrown(() => Expr.not(e)).message).toMatch(/deeper than 32/);
    expect(thrown(() => Expr.or(Expr.eq('x', 1), e)).code).toBe('VALIDATION');
    // A hand-built deep operand is measured too.
    let hand: Expr = { kind: 'isNull', column: 'a' };
    for (let i = 0; i < 40; i++) hand = { kind: 'not', operand: hand };
    expect(thrown(() => Expr.and(hand)).message).toMatch(/deeper than 32/);
  });
});
