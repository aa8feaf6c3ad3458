import { ValidationError } from '../../../src/storage/errors';
import { Expr } from '../../../src/storage/query/expr';
import { Query } from '../../../src/storage/query/query';

function thrown(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).code).toBe('VALIDATION');
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('Query builder', () => {
  it('builds immutable queries: every method returns a new frozen query', () => {
    const base = Query.select('id', 'username').from('users');
    const refined = base.where(Expr.eq('id', 1)).orderBy('id', 'desc').limit(10).offset(5);
    expect(Object.isFrozen(base)).toBe(true);
    expect(Object.isFrozen(refined)).toBe(true);
    expect(base.filter).toBeUndefined();
    expect(base.ordering).toEqual([]);
    expect(base.limitCount).toBeUndefined();
    expect(refined).toMatchObject({
      selection: ['id', 'username'],
      tableName: 'users',
      filter: { kind: 'eq', column: 'id', value: 1 },
      ordering: [{ column: 'id', direction: 'desc' }],
      limitCount: 10,
      offsetCount: 5,
    });
  });

  it("select accepts '*', names, or one array of names", () => {
    expect(Query.select('*').selection).toBe('*');
    expect(Query.select(['a', 'b']).selection).toEqual(['a', 'b']);
    expect(Query.select('a').orderBy('a').ordering[0].direction).toBe('asc');
  });

  it('combines repeated where with and', () => {
    const q = Query.select('*')
      .from('t')
      .where(Expr.eq('a', 1))
      .where(Expr.eq('b', 2))
      .where(Expr.eq('c', 3));
    expect(q.filter).toEqual(Expr.and(Expr.eq('a', 1), Expr.eq('b', 2), Expr.eq('c', 3)));
  });

  it('rejects bad arguments at build time', () => {
    expect(thrown(() => Query.select()).message).toMatch(/at least one column/);
    expect(thrown(() => Query.select('a', 5 as unknown as string)).message).toMatch(/select/);
    expect(thrown(() => Query.select('*', 'a')).message).toMatch(/'\*'/);
    expect(thrown(() => Query.select('a', 'a')).message).toMatch(/'a'/);
    const q = Query.select('*').from('t');
    expect(thrown(() => Query.select('*').from('')).message).toMatch(/from/);
    expect(thrown(() => q.where({ kind: 'bogus' } as unknown as Expr)).message).toMatch(/Expr/);
    expect(thrown(() => q.orderBy(3 as unknown as string)).message).toMatch(/orderBy/);
    expect(thrown(() => q.orderBy('a', 'up' as 'asc')).message).toMatch(/column 'a'.*direction/);
    expect(thrown(() => q.orderBy('a').orderBy('a')).message).toMatch(/'a'/);
    expect(thrown(() => q.limit(-1)).message).toMatch(/limit/);
    expect(thrown(() => q.limit(1.5)).message).toMatch(/limit/);
    expect(thrown(() => q.limit(Infinity)).message).toMatch(/limit/);
    expect(thrown(() => q.offset(-1)).message).toMatch(/offset/);
    expect(thrown(() => q.offset('2' as unknown as number)).message).toMatch(/offset/);
    expect(() => q.limit(0).offset(0)).not.toThrow();
  });

  it('allows at most 8 order keys', () => {
    let q = Query.select('*').from('t');
    for (let i = 0; i < 8; i++) q = q.orderBy(`c${i}`);
    expect(thrown(() => q.orderBy('c8')).message).toMatch(/at most 8/);
  });
});
