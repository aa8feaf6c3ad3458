import fc from 'fast-check';

import { ValidationError } from '../../../src/storage/errors';
import { likeMatches, parseLikePattern } from '../../../src/storage/query/like-pattern';
import { likeRegex } from './query-fixtures';

const match = (pattern: string, s: string): boolean =>
  likeMatches(parseLikePattern(pattern, 'c'), s);

describe('LIKE patterns', () => {
  it('matches % and _ anchored at both ends', () => {
    expect(match('abc', 'abc')).toBe(true);
    expect(match('abc', 'abcd')).toBe(false);
    expect(match('a%', 'a')).toBe(true);
    expect(match('%c', 'abc')).toBe(true);
    expect(match('%b%', 'abc')).toBe(true);
    expect(match('a_c', 'abc')).toBe(true);
    expect(match('a_c', 'ac')).toBe(false);
    expect(match('a%a', 'a')).toBe(false); // the segments may not overlap
    expect(match('a%a', 'aa')).toBe(true);
    expect(match('%ab%ab%', 'abab')).toBe(true);
    expect(match('%ab%ab%', 'aba')).toBe(false);
    expect(match('', '')).toBe(true);
    expect(match('%', '')).toBe(true);
    expect(match('_', '')).toBe(false);
    expect(match('%%_%%', 'x')).toBe(true);
  });

  it('`_` is one code point, also an astral one', () => {
    expect(match('_', '😀')).toBe(true);
    expect(match('__', '😀')).toBe(false);
    expect(match('%_😀', 'x😀')).toBe(true);
    expect(match('😀_', '😀😀')).toBe(true);
  });

  it('escapes with backslash', () => {
    expect(match('100\\%', '100%')).toBe(true);
    expect(match('100\\%', '1000')).toBe(false);
    expect(match('a\\_b', 'a_b')).toBe(true);
    expect(match('a\\_b', 'axb')).toBe(false);
    expect(match('a\\\\b', 'a\\b')).toBe(true);
    expect(match('\\a', 'a')).toBe(true);
  });

  it('exposes the literal prefix and exactness for the planner', () => {
    expect(parseLikePattern('ab\\%c%d', 'c')).toMatchObject({ prefix: 'ab%c', exact: false });
    expect(parseLikePattern('ab_', 'c')).toMatchObject({ prefix: 'ab', exact: false });
    expect(parseLikePattern('%ab', 'c')).toMatchObject({ prefix: '', exact: false });
    expect(parseLikePattern('a\\_b', 'c')).toMatchObject({ prefix: 'a_b', exact: true });
  });

  it('rejects long patterns, a trailing escape and lone surrogates, naming the column', () => {
    for (const bad of ['x'.repeat(257), 'abc\\', 'a\uD800']) {
      let err: unknown;
      try {
        parseLikePattern(bad, 'email');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).code).toBe('VALIDATION');
      expect((err as Error).message).toMatch(/column 'email'/);
    }
    expect(() => parseLikePattern('x'.repeat(256), 'c')).not.toThrow();
  });

  it('agrees with a regular-expression reference on random inputs', () => {
    const alphabet = ['a', 'b', '😀', 'é'];
    const patternParts = [...alphabet, '%', '_', '\\%', '\\_', '\\\\'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...patternParts), { maxLength: 8 }).map((p) => p.join('')),
        fc
          .array(fc.constantFrom(...alphabet, '%', '_', '\\'), { maxLength: 8 })
          .map((p) => p.join('')),
        (pattern, s) => {
          expect(match(pattern, s)).toBe(likeRegex(pattern).test(s));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('stays fast on patterns that make backtracking matchers explode', () => {
    const pattern = '%a'.repeat(60) + '%b';
    const s = 'a'.repeat(5000);
    const start = process.hrtime.bigint();
    expect(match(pattern, s)).toBe(false);
    expect(Number(process.hrtime.bigint() - start) / 1e6).toBeLessThan(200);
  });
});
