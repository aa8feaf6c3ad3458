/**
 * `LIKE` patterns: parsing, matching and the literal prefix the planner turns into a key range.
 *
 * Syntax: `%` matches any run of characters (also none), `_` exactly one character, and `\`
 * makes the next character literal (`\%`, `\_`, `\\`; `\a` is just `a`). A trailing lone `\`
 * is an error. "Character" means Unicode code point, so `_` matches an emoji as one character,
 * consistent with text ordering by code point. Matching is case-sensitive.
 *
 * The matcher is linear-time per segment search (no regular expression, so no catastrophic
 * backtracking on patterns like `%a%a%a%a%b`): segments between `%`s have a fixed length in
 * code points, so the leftmost match of each middle segment is always the right choice.
 *
 * @module
 */
import { ValidationError } from '../errors';

/** Longest accepted pattern, in UTF-16 code units (as in aedb). */
export const MAX_LIKE_PATTERN_LENGTH = 256;

/** A run of literal text, or a number of `_` wildcards (code points to skip). */
type LikeToken = string | number;

/** A parsed `LIKE` pattern. Immutable. */
export interface LikePattern {
  /** The pattern as written. */
  readonly source: string;
  /** The pattern split at each unescaped `%`; each segment is a token list. */
  readonly segments: readonly (readonly LikeToken[])[];
  /** The literal text every match starts with (empty when the pattern starts with a wildcard). */
  readonly prefix: string;
  /** True when the pattern has no wildcard at all: it matches `source` unescaped, only. */
  readonly exact: boolean;
}

/**
 * Parse a `LIKE` pattern. Throws a {@link ValidationError} (naming `column`) when the pattern is
 * longer than {@link MAX_LIKE_PATTERN_LENGTH}, ends with a lone `\`, or holds a lone surrogate.
 *
 * @example
 * ```ts
 * parseLikePattern('ab\\%c%', 'name').prefix; // 'ab%c'
 * ```
 */
export function parseLikePattern(pattern: string, column: string): LikePattern {
  const fail = (why: string): ValidationError =>
    new ValidationError(`like on column '${column}': ${why}`, { column, pattern });
  if (pattern.length > MAX_LIKE_PATTERN_LENGTH) {
    throw fail(`the pattern is ${pattern.length} characters, at most ${MAX_LIKE_PATTERN_LENGTH}`);
  }
  if (!isWellFormed(pattern)) throw fail('the pattern has a lone UTF-16 surrogate');
  const segments: LikeToken[][] = [[]];
  let literal = '';
  let wildcards = 0;
  let exact = true;
  let prefix: string | undefined;
  const flush = (): void => {
    const seg = segments[segments.length - 1];
    if (literal !== '') seg.push(literal);
    if (wildcards > 0) seg.push(wildcards);
    literal = '';
    wildcards = 0;
  };
  for (let i = 0; i < pattern.length; i++) {
    let c = pattern[i];
    if (c === '%' || c === '_') {
      exact = false;
      // Nothing was flushed before the first wildcard: the pending literal is the prefix.
      if (prefix === undefined) prefix = literal;
      if (c === '%') {
        flush();
        segments.push([]);
      } else {
        if (literal !== '') flush();
        wildcards++;
      }
      continue;
    }
    if (c === '\\') {
      i++;
      if (i === pattern.length) throw fail('the pattern ends with a lone escape character \\');
      c = pattern[i];
    }
    if (wildcards > 0) flush();
    literal += c;
  }
  flush();
  const parsed: LikePattern = {
    source: pattern,
    segments: Object.freeze(segments.map((s) => Object.freeze(s))),
    prefix: prefix ?? literalOf(segments[0][0]),
    exact,
  };
  return Object.freeze(parsed);
}

function literalOf(token: LikeToken | undefined): string {
  return typeof token === 'string' ? token : '';
}

/**
 * Whether the text `s` (well-formed UTF-16) matches `pattern`.
 *
 * @example
 * ```ts
 * likeMatches(parseLikePattern('a_c%', 'name'), 'abcdef'); // true
 * ```
 */
export function likeMatches(pattern: LikePattern, s: string): boolean {
  const segs = pattern.segments;
  const last = segs.length - 1;
  let p = matchAt(segs[0], s, 0);
  if (p < 0) return false;
  if (last === 0) return p === s.length;
  for (let i = 1; i < last; i++) {
    p = findFrom(segs[i], s, p);
    if (p < 0) return false;
  }
  // The last segment is anchored at the end: its start is a fixed number of code points back.
  const tail = segs[last];
  let q = s.length;
  for (let k = codePointLength(tail); k > 0; k--) {
    if (q <= p) return false;
    q = previousBoundary(s, q);
  }
  return matchAt(tail, s, q) === s.length;
}

/** End of a match of `tokens` starting at `p`, or -1. */
function matchAt(tokens: readonly LikeToken[], s: string, p: number): number {
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t];
    if (typeof token === 'string') {
      if (!s.startsWith(token, p)) return -1;
      p += token.length;
    } else {
      for (let k = 0; k < token; k++) {
        if (p >= s.length) return -1;
        p = nextBoundary(s, p);
      }
    }
  }
  return p;
}

/** End of the leftmost match of `tokens` starting at or after `p`, or -1. */
function findFrom(tokens: readonly LikeToken[], s: string, p: number): number {
  const lead = tokens[0];
  while (p <= s.length) {
    if (typeof lead === 'string') {
      // Jump straight to the next occurrence of the leading literal.
      p = s.indexOf(lead, p);
      if (p < 0) return -1;
    }
    const end = matchAt(tokens, s, p);
    if (end >= 0) return end;
    if (p === s.length) return -1;
    p = nextBoundary(s, p);
  }
  return -1;
}

function codePointLength(tokens: readonly LikeToken[]): number {
  let n = 0;
  for (const token of tokens) {
    if (typeof token === 'number') n += token;
    else for (let i = 0; i < token.length; i = nextBoundary(token, i)) n++;
  }
  return n;
}

function nextBoundary(s: string, p: number): number {
  const c = s.charCodeAt(p);
  return c >= 0xd800 && c <= 0xdbff && p + 1 < s.length ? p + 2 : p + 1;
}

function previousBoundary(s: string, q: number): number {
  const c = s.charCodeAt(q - 1);
  return c >= 0xdc00 && c <= 0xdfff && q >= 2 ? q - 2 : q - 1;
}

interface WellFormedString {
  isWellFormed(): boolean;
}

/** Native `String.prototype.isWellFormed` (Node >= 20), missing from the ES2023 lib. */
function isWellFormed(s: string): boolean {
  return (s as unknown as WellFormedString).isWellFormed();
}
