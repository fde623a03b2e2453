import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ftsQuery, tsQuery } from './index.ts';
import {
  documentTerms,
  filterTerm,
  highlightRanges,
  MAX_QUERY_TERMS,
  MAX_TERM_LENGTH,
  MAX_TERMS_CHARS,
  makeSnippet,
  queryTerms,
  SNIPPET_CHARS,
} from './tokenize.ts';

/** Strings mixing what the tokenizer has to cope with: Han, kana, Latin with accents, digits,
 * full-width forms, combining marks, astral characters, punctuation, markup and whitespace. */
const ALPHABET = [
  ...'间谍国家安全机关举报情报的是了人',
  ...'アイカｶﾞ',
  ...'reportingREPORTSabcxyz',
  ...'éüßÅ',
  'e\u0301',
  ...'0123456789',
  ...'ＡＢ１２',
  '𠀀',
  '\uD800',
  ...' \t\n,.;:!?，。、“”《》()<>"\'&/\\-_*',
  '①',
  '¼',
  '\u200b',
];
const mixedString = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 300 }).map((a) => a.join(''));
const anyString = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 400 }),
  mixedString,
);

describe('search tokenizer', () => {
  it('indexes Chinese as single characters and overlapping bigrams', () => {
    const terms = documentTerms('', '境外间谍').split(' ');
    for (const t of ['境', '外', '间', '谍', '境外', '外间', '间谍']) assert.ok(terms.includes(t), t);
  });

  it('indexes the title twice, so title matches rank higher', () => {
    assert.equal(documentTerms('Spy', 'story'), 'spy spy stori');
  });

  it('queries a Chinese word as its bigrams and a lone character as itself', () => {
    assert.deepEqual(queryTerms('间谍'), ['间谍']);
    assert.deepEqual(queryTerms('谍'), ['谍']);
    assert.deepEqual(queryTerms('国家安全'), ['国家', '家安', '安全']);
    assert.deepEqual(queryTerms('APP收集'), ['app', '收集']);
  });

  it('stems English so plurals and tenses match', () => {
    for (const w of ['report', 'reports', 'reported', 'reporting', 'Reporting'])
      assert.deepEqual(queryTerms(w), ['report'], w);
    assert.deepEqual(queryTerms('recruiters recruitment'), ['recruit']);
    assert.deepEqual(queryTerms('Café'), queryTerms('cafe'), 'accents are folded');
    assert.deepEqual(queryTerms('ＲＥＰＯＲＴ １２'), ['report', '12'], 'full-width forms are folded (NFKC)');
  });

  it('keeps digits and drops punctuation', () => {
    assert.deepEqual(queryTerms('2024年, MP4!'), ['2024', '年', 'mp4']);
    assert.deepEqual(queryTerms('<script>alert(1)</script>'), ['script', 'alert', '1']);
    assert.deepEqual(queryTerms('“”，。!?'), []);
  });

  it('never takes the reserved filter terms from text or queries', () => {
    assert.deepEqual(queryTerms('0lang0en 0kind0post spy'), ['spy']);
    assert.equal(documentTerms('', '0lang0en spy'), 'spy');
    assert.equal(filterTerm('lang', 'zh-CN'), '0lang0zhcn');
  });

  it('bounds queries: 200 characters, 12 terms', () => {
    const many = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    assert.equal(queryTerms(many).length, MAX_QUERY_TERMS);
    assert.deepEqual(queryTerms(`${'x '.repeat(100)}beyond`), ['x'], 'text after 200 characters is ignored');
  });

  it('never throws and keeps its output bounded, whatever the input', () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        const q = queryTerms(a);
        assert.ok(q.length <= MAX_QUERY_TERMS);
        assert.equal(new Set(q).size, q.length, 'no repeated terms');
        for (const t of q) {
          assert.ok(t.length > 0 && t.length <= MAX_TERM_LENGTH, `term length ${t.length}`);
          assert.doesNotMatch(t, /[\s"'\\&|!():*<>]/u, 'no separator or query syntax inside a term');
        }
        const terms = documentTerms(a, b);
        assert.ok(terms.length <= MAX_TERMS_CHARS);
        assert.doesNotMatch(terms, /\s\s|^\s|\s$/u);
        const s = makeSnippet(b, q);
        assert.ok(s.snippet.length <= SNIPPET_CHARS + 2, `snippet of ${s.snippet.length}`);
        let last = 0;
        for (const [start, end] of s.highlights) {
          assert.ok(start >= last && start < end && end <= s.snippet.length, 'sorted, disjoint, inside');
          last = end;
        }
        for (const [start, end] of highlightRanges(a, q)) assert.ok(start < end && end <= a.length);
      }),
      { numRuns: 400 },
    );
  });

  it('a document always matches a query made of its own text', () => {
    fc.assert(
      fc.property(fc.oneof(mixedString, fc.string({ maxLength: 200 })), (text) => {
        const q = text.slice(0, 200);
        const indexed = new Set(documentTerms('', q).split(' '));
        for (const t of queryTerms(q))
          assert.ok(indexed.has(t), `query term ${JSON.stringify(t)} is indexed`);
      }),
      { numRuns: 400 },
    );
  });

  it('highlights matched English words and Chinese characters in the original text', () => {
    const text = 'Someone REPORTED a recruiter. 境外间谍机构。';
    const q = queryTerms('report 间谍');
    const marked = highlightRanges(text, q).map(([s, e]) => text.slice(s, e));
    assert.deepEqual(marked, ['REPORTED', '间谍']);
    const phrase = highlightRanges('国家安全机关', queryTerms('安全机关'));
    assert.deepEqual(phrase, [[2, 6]], 'overlapping bigrams merge into one range');
  });

  it('cuts the snippet around the best cluster of matches', () => {
    const body = `${'Nothing to see here at all. '.repeat(20)}Here a recruiter reported a spy approach. ${'More filler text follows. '.repeat(20)}`;
    const { snippet, highlights } = makeSnippet(body, queryTerms('spy report'));
    assert.ok(snippet.startsWith('…') && snippet.endsWith('…'));
    assert.deepEqual(
      highlights.map(([s, e]) => snippet.slice(s, e)),
      ['reported', 'spy'],
    );
    const short = makeSnippet('短文本中的间谍', queryTerms('间谍'));
    assert.equal(short.snippet, '短文本中的间谍');
    assert.deepEqual(short.highlights, [[5, 7]]);
    const none = makeSnippet('x'.repeat(500), queryTerms('absent'));
    assert.equal(none.snippet.length, SNIPPET_CHARS + 1);
  });

  it('finds the snippet of a long body past its beginning without tokenising all of it', () => {
    const body = `${'开头的内容与查询无关。'.repeat(1000)}这里提到了间谍活动。${'结尾。'.repeat(1000)}`;
    const { snippet, highlights } = makeSnippet(body, queryTerms('间谍'));
    assert.deepEqual(
      highlights.map(([s, e]) => snippet.slice(s, e)),
      ['间谍'],
    );
    const long = `${'filler words '.repeat(800)}then someone reported it`;
    const en = makeSnippet(long, queryTerms('reports'));
    assert.deepEqual(
      en.highlights.map(([s, e]) => en.snippet.slice(s, e)),
      ['reported'],
    );
    const cut = queryTerms(`${'a'.repeat(63)}𐌰𐌰`)[0]!;
    assert.equal(cut, 'a'.repeat(63), 'long words are cut between characters, not inside a surrogate pair');
  });

  it('quotes every term for FTS5 and tsquery', () => {
    assert.equal(ftsQuery(['间谍', 'a"b']), '"间谍" "a""b"');
    assert.equal(tsQuery(['间谍', "a'b\\"]), "'间谍' & 'a''b\\\\'");
  });
});
