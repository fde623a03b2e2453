/**
 * Text normalisation for the search index, the same on both databases.
 *
 * Words are runs of letters, marks and digits in the original text; everything else separates them.
 * Each run is NFKC-normalised and lower-cased. Then:
 * - Chinese (Han, and Japanese kana) runs become every single character and every overlapping
 *   bigram: 国家安全 → 国 国家 家 家安 安 安全 全. A two-character word such as 间谍 is one indexed
 *   term, and a longer word is found as the AND of its bigrams. (SQLite's trigram tokenizer cannot
 *   match anything under three characters, which is most Chinese words.)
 * - Latin words lose their diacritics and are stemmed with Porter's algorithm, so "reports",
 *   "reported" and "reporting" are all `report`; words with digits (mp4, 2024) are kept as they are.
 *
 * Queries go through the same steps, except that a Chinese run of two or more characters becomes its
 * bigrams only (a lone character stays a unigram), and the result is bounded: MAX_QUERY_CHARS of
 * input, MAX_QUERY_TERMS distinct terms, all of which must match.
 *
 * Every token keeps the offsets of the text it came from, so snippets can be cut around the matches
 * and the matched words (or, in Chinese, characters) highlighted in the original text.
 */
import { stemmer } from 'stemmer';

export const MAX_QUERY_CHARS = 200;
export const MAX_QUERY_TERMS = 12;
/** Longer words are cut to this many UTF-16 units (both sides, so they still match). */
export const MAX_TERM_LENGTH = 64;
/**
 * The indexed terms of one document are cut to this many characters. PostgreSQL refuses a tsvector
 * over 1 MiB; this keeps the worst case (every term distinct) well under it.
 */
export const MAX_TERMS_CHARS = 100_000;

/**
 * Terms that carry a document's language and kind (`0lang0en`, `0kind0guide`), so that the index
 * itself filters instead of the database checking every match's row. Neither document text nor a
 * query ever produces one: terms of that shape are dropped from both.
 */
const RESERVED = /^0(?:lang|kind)0/;

export function filterTerm(field: 'lang' | 'kind', value: string): string {
  return `0${field}0${value.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
}

const RUN = /[\p{L}\p{M}\p{N}]+/gu;
const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const CJK_SPLIT =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+|[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+/gu;
const WORD = /[\p{L}\p{M}\p{N}]+/gu;
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const ASCII_WORD = /^[A-Za-z0-9]+$/;
const ASCII_LETTERS = /^[a-z]+$/;
const LATIN_FOLDABLE = /^[a-z0-9]+$/;
const MARKS = /\p{M}+/gu;

/** A word: its normalised (and, for English, stemmed) term and where it was in the text. */
export interface WordPiece {
  cjk: false;
  term: string;
  start: number;
  end: number;
}

/** A run of Chinese characters, one normalised character per entry with its offsets. */
export interface CjkPiece {
  cjk: true;
  chars: string[];
  starts: number[];
  ends: number[];
}

export type Piece = WordPiece | CjkPiece;

const stems = new Map<string, string>();

function stem(word: string): string {
  let w = word;
  if (w.length > MAX_TERM_LENGTH) {
    // Cut long words, never between the two halves of a surrogate pair.
    const high = w.charCodeAt(MAX_TERM_LENGTH - 1);
    w = w.slice(0, high >= 0xd800 && high <= 0xdbff ? MAX_TERM_LENGTH - 1 : MAX_TERM_LENGTH);
  }
  if (!ASCII_LETTERS.test(w)) return w;
  let s = stems.get(w);
  if (s === undefined) {
    // The stemmer is the slowest step of indexing English; words repeat, so remember them (bounded).
    if (stems.size >= 20_000) stems.clear();
    s = stemmer(w);
    stems.set(w, s);
  }
  return s;
}

/** Normalises one non-Chinese word (already known to contain no Chinese in the original). */
function pushWords(run: string, start: number, end: number, out: Piece[]): void {
  if (ASCII_WORD.test(run)) {
    out.push({ cjk: false, term: stem(run.toLowerCase()), start, end });
    return;
  }
  const normal = run.normalize('NFKC').toLowerCase();
  // NFKC can introduce separators (¼ → 1⁄4): split again.
  for (const m of normal.matchAll(WORD)) {
    let w = m[0];
    if (!HAS_LETTER_OR_DIGIT.test(w)) continue;
    const folded = w.normalize('NFD').replace(MARKS, '');
    if (LATIN_FOLDABLE.test(folded)) w = folded;
    out.push({ cjk: false, term: stem(w), start, end });
  }
}

function pushCjk(run: string, offset: number, out: Piece[]): void {
  const chars: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < run.length; ) {
    const code = run.codePointAt(i)!;
    const width = code > 0xffff ? 2 : 1;
    let ch = width === 1 ? run[i]! : run.slice(i, i + 2);
    // Only compatibility forms change under NFKC (U+F900.., half-width kana, Kangxi radicals).
    if (code >= 0xf900 || (code >= 0x2e80 && code < 0x2fe0)) {
      ch = ch.normalize('NFKC');
      if (ch.length > 2 || !CJK_CHAR.test(ch)) ch = '';
    }
    if (ch) {
      chars.push(ch);
      starts.push(offset + i);
      ends.push(offset + i + width);
    }
    i += width;
  }
  if (chars.length > 0) out.push({ cjk: true, chars, starts, ends });
}

/** Splits text into words and Chinese runs with their offsets in `text`. Never throws. */
export function scan(text: string): Piece[] {
  const out: Piece[] = [];
  for (const m of text.matchAll(RUN)) {
    const run = m[0];
    const start = m.index;
    if (ASCII_WORD.test(run)) {
      out.push({ cjk: false, term: stem(run.toLowerCase()), start, end: start + run.length });
      continue;
    }
    if (!CJK_CHAR.test(run)) {
      pushWords(run, start, start + run.length, out);
      continue;
    }
    for (const part of run.matchAll(CJK_SPLIT)) {
      const s = start + part.index;
      if (CJK_CHAR.test(part[0]!)) pushCjk(part[0], s, out);
      else if (HAS_LETTER_OR_DIGIT.test(part[0])) pushWords(part[0], s, s + part[0].length, out);
    }
  }
  return out;
}

/**
 * The `terms` column of a document: space-separated tokens, bounded by MAX_TERMS_CHARS. The title
 * is indexed twice so that a match in the title ranks above one in passing.
 */
export function documentTerms(title: string, text: string): string {
  const parts: string[] = [];
  let size = 0;
  const add = (t: string): boolean => {
    if (size + t.length + 1 > MAX_TERMS_CHARS) return false;
    parts.push(t);
    size += t.length + 1;
    return true;
  };
  const addAll = (pieces: Piece[]): boolean => {
    for (const p of pieces) {
      if (!p.cjk) {
        if (!RESERVED.test(p.term) && !add(p.term)) return false;
        continue;
      }
      const c = p.chars;
      for (let i = 0; i < c.length; i++) {
        if (!add(c[i]!)) return false;
        if (i + 1 < c.length && !add(c[i]! + c[i + 1]!)) return false;
      }
    }
    return true;
  };
  const titlePieces = scan(title);
  if (addAll(titlePieces) && addAll(titlePieces)) addAll(scan(text));
  return parts.join(' ');
}

/** The distinct terms of a query, all of which a document must contain. Empty: nothing to look for. */
export function queryTerms(query: string): string[] {
  const terms = new Set<string>();
  for (const p of scan(query.slice(0, MAX_QUERY_CHARS))) {
    if (terms.size >= MAX_QUERY_TERMS) break;
    if (!p.cjk) {
      if (!RESERVED.test(p.term)) terms.add(p.term);
    } else if (p.chars.length === 1) terms.add(p.chars[0]!);
    else for (let i = 0; i + 1 < p.chars.length; i++) terms.add(p.chars[i]! + p.chars[i + 1]!);
  }
  return [...terms].slice(0, MAX_QUERY_TERMS);
}

/** One matched term in a text: [start, end) in UTF-16 units, and which term matched. */
export interface Match {
  start: number;
  end: number;
  term: string;
}

/**
 * Where the query terms occur in `text` (in text.slice(from, to), offsets into `text`): English
 * words whose stem is a query term, and the Chinese characters covered by a query bigram or unigram.
 */
export function findMatches(text: string, terms: readonly string[], from = 0, to = text.length): Match[] {
  if (terms.length === 0 || text.length === 0) return [];
  const wanted = new Set(terms);
  const out: Match[] = [];
  const part = from > 0 || to < text.length ? text.slice(from, to) : text;
  for (const p of scan(part)) {
    if (!p.cjk) {
      if (wanted.has(p.term)) out.push({ start: from + p.start, end: from + p.end, term: p.term });
      continue;
    }
    const c = p.chars;
    for (let i = 0; i < c.length; i++) {
      if (wanted.has(c[i]!)) out.push({ start: from + p.starts[i]!, end: from + p.ends[i]!, term: c[i]! });
      if (i + 1 < c.length) {
        const bigram = c[i]! + c[i + 1]!;
        if (wanted.has(bigram))
          out.push({ start: from + p.starts[i]!, end: from + p.ends[i + 1]!, term: bigram });
      }
    }
  }
  return out;
}

/** Sorted, merged [start, end) ranges of the matches. */
export function mergeRanges(matches: readonly { start: number; end: number }[]): [number, number][] {
  const sorted = [...matches].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: [number, number][] = [];
  for (const m of sorted) {
    const last = out[out.length - 1];
    if (last && m.start <= last[1]) last[1] = Math.max(last[1], m.end);
    else out.push([m.start, m.end]);
  }
  return out;
}

/** The ranges of `text` to highlight for a query's terms (titles; snippets use makeSnippet). */
export function highlightRanges(text: string, terms: readonly string[]): [number, number][] {
  return mergeRanges(findMatches(text, terms));
}

export const SNIPPET_CHARS = 160;
/** How much of a body is scanned for matches at first; a long post is not tokenised whole per hit. */
const SCAN_CHARS = 6000;
const LEAD_CHARS = 30;
const ELLIPSIS = '…';

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;
const isWordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}]/u.test(ch);

/**
 * The matches in the first SCAN_CHARS of the body; when there are none there, the matches around
 * the first later place where a term appears literally (Chinese terms, and English stems that are
 * a prefix of the word, as most are).
 */
function snippetMatches(body: string, terms: readonly string[]): Match[] {
  const first = findMatches(body, terms, 0, SCAN_CHARS);
  if (first.length > 0 || body.length <= SCAN_CHARS) return first;
  const lower = body.toLowerCase();
  let pos = -1;
  for (const t of terms) {
    const i = lower.indexOf(t, SCAN_CHARS - MAX_TERM_LENGTH);
    if (i >= 0 && (pos < 0 || i < pos)) pos = i;
  }
  if (pos < 0) return [];
  // Start the scan on a word boundary, so that no word is cut into a false match.
  let from = Math.max(0, pos - 200);
  while (from > 0 && from > pos - 260 && isWordChar(body[from - 1]) && !CJK_CHAR.test(body[from - 1]!))
    from--;
  return findMatches(body, terms, from, pos + 2000);
}

/**
 * A window of about `width` characters of `body` around the best cluster of matches (the most
 * distinct terms, then the most matches, then the earliest), with the matches as ranges into the
 * returned snippet. Without matches, the beginning of the body.
 */
export function makeSnippet(
  body: string,
  terms: readonly string[],
  width = SNIPPET_CHARS,
): { snippet: string; highlights: [number, number][] } {
  if (body.length <= width) return { snippet: body, highlights: mergeRanges(findMatches(body, terms)) };
  const matches = snippetMatches(body, terms);

  let start = 0;
  if (matches.length > 0) {
    const sorted = [...matches].sort((a, b) => a.start - b.start);
    let best = 0;
    let bestScore = -1;
    // Each match in turn anchors a window that starts a little before it; score what it covers.
    // At most 200 anchors, each window holding at most `width` matches: bounded work.
    const anchors = Math.min(sorted.length, 200);
    for (let i = 0; i < anchors; i++) {
      const ws = Math.max(0, sorted[i]!.start - LEAD_CHARS);
      const we = ws + width;
      const distinct = new Set<string>();
      let total = 0;
      let k = i;
      while (k > 0 && sorted[k - 1]!.start >= ws) k--;
      for (; k < sorted.length && sorted[k]!.start < we; k++) {
        if (sorted[k]!.end > we) continue;
        distinct.add(sorted[k]!.term);
        total++;
      }
      const score = distinct.size * 10_000 + total;
      if (score > bestScore) {
        bestScore = score;
        best = ws;
      }
    }
    start = Math.max(0, best);
  }
  let end = Math.min(body.length, start + width);
  if (end === body.length) start = Math.max(0, end - width);
  // Do not start or end inside a word (Latin) or inside a surrogate pair.
  if (start > 0 && isWordChar(body[start - 1]) && isWordChar(body[start]) && !CJK_CHAR.test(body[start]!)) {
    const space = body.slice(start, start + 20).search(/\s/);
    if (space >= 0) start += space + 1;
  }
  if (start > 0 && isLowSurrogate(body.charCodeAt(start))) start++;
  if (end < body.length && isWordChar(body[end - 1]) && isWordChar(body[end]) && !CJK_CHAR.test(body[end]!)) {
    const back = body.slice(Math.max(start, end - 20), end).search(/\s\S*$/);
    if (back >= 0) end = Math.max(start, end - 20) + back;
  }
  if (end < body.length && isLowSurrogate(body.charCodeAt(end))) end--;

  const prefix = start > 0 ? ELLIPSIS : '';
  const shift = prefix.length - start;
  const snippet = `${prefix}${body.slice(start, end).trim()}${end < body.length ? ELLIPSIS : ''}`;
  const leadingTrim = body.slice(start, end).length - body.slice(start, end).trimStart().length;
  const highlights = mergeRanges(matches.filter((m) => m.start >= start && m.end <= end)).map(
    ([s, e]) => [s + shift - leadingTrim, e + shift - leadingTrim] as [number, number],
  );
  return { snippet, highlights };
}
