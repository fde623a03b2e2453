import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { assertInert, XSS_CORPUS } from '../../../test/helpers/xss.ts';
import { headingSlug, htmlToText, isSafeHref, renderMarkdown } from './markdown.ts';
import { normaliseTags, SLUG_PATTERN, slugify } from './slugs.ts';

describe('markdown rendering', () => {
  it('renders every payload of the XSS corpus inert', () => {
    for (const payload of XSS_CORPUS) {
      const out = renderMarkdown(payload);
      assertInert(out, `markdown ${JSON.stringify(payload)}`);
      assert.doesNotMatch(out, /<script|<iframe|<svg|<style|<object|<embed|<base|<meta/i);
      assert.doesNotMatch(out, /href="(?!https?:|mailto:|\/|#)[a-z]+:/i, 'no other scheme in a link');
    }
  });

  it('renders any text inert (property)', () => {
    const piece = fc.oneof(
      fc.string(),
      fc.constantFrom(...XSS_CORPUS),
      fc.constantFrom(
        '[',
        ']',
        '(',
        ')',
        '<',
        '>',
        '`',
        '!',
        '#',
        '|',
        ':',
        '"',
        "'",
        '\n',
        '&#',
        'javascript:',
      ),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), (parts) => {
        assertInert(renderMarkdown(parts.join('')), 'random markdown');
      }),
      { numRuns: 400 },
    );
  });

  it('keeps http(s), mailto and same-site links, with rel on external ones', () => {
    const out = renderMarkdown(
      '[a](https://example.org/x) [b](mailto:tips@example.org) [c](/law/counter-espionage/article-16) [d](#h-intro) [e](guides/travel)',
    );
    assert.match(out, /<a href="https:\/\/example.org\/x" rel="noopener noreferrer">a<\/a>/);
    assert.match(out, /<a href="mailto:tips@example.org" rel="noopener noreferrer">b<\/a>/);
    assert.match(out, /<a href="\/law\/counter-espionage\/article-16">c<\/a>/);
    assert.match(out, /<a href="#h-intro">d<\/a>/);
    assert.match(out, /<a href="guides\/travel">e<\/a>/);
    for (const bad of [
      'javascript:alert(1)',
      'data:text/html,x',
      '//evil.example',
      'tel:123',
      'x:y',
      ' \tjavascript:x',
    ])
      assert.equal(isSafeHref(bad), false, bad);
  });

  it('shows images only from /media/, as their description otherwise', () => {
    const out = renderMarkdown('![Poster](/media/abc-123/w800.jpg) ![Tracker](https://t.example/p.gif)');
    assert.match(out, /<img src="\/media\/abc-123\/w800.jpg" alt="Poster" loading="lazy" decoding="async">/);
    assert.doesNotMatch(out, /t\.example/);
    assert.match(out, /Tracker/);
  });

  it('gives headings unique ids in any script, and tables no style attribute', () => {
    const out = renderMarkdown(
      '# 什么是间谍行为？\n\n## Red flags\n\n## Red flags\n\n| a | b |\n|--:|:-:|\n| 1 | 2 |',
    );
    assert.match(out, /<h1 id="h-什么是间谍行为">/);
    assert.match(out, /<h2 id="h-red-flags">/);
    assert.match(out, /<h2 id="h-red-flags-2">/);
    assert.match(out, /<th class="align-right">a<\/th>/);
    assert.doesNotMatch(out, /style=/);
    assert.equal(headingSlug('!!!'), 'h-section');
  });

  it('passes no raw HTML and escapes code', () => {
    const out = renderMarkdown('<b>bold</b>\n\n```html\n<script>x</script>\n```');
    assert.match(out, /&lt;b&gt;bold&lt;\/b&gt;/);
    assert.match(out, /<code class="language-html">&lt;script&gt;x&lt;\/script&gt;/);
  });

  it('turns its own HTML into plain text for search', () => {
    assert.equal(
      htmlToText(renderMarkdown('# Title\n\nA *b* & <c>\n\n- one\n- two')),
      'Title\nA b & <c>\none\ntwo',
    );
  });
});

describe('slugs and tags', () => {
  it('keep letters of any script and join the rest with dashes', () => {
    assert.equal(slugify('  Fake Headhunters & “Consultancies”!  '), 'fake-headhunters-consultancies');
    assert.equal(slugify('间谍 案例'), '间谍-案例');
    assert.equal(slugify('<script>'), 'script');
    assert.equal(slugify('!!!'), '');
    fc.assert(
      fc.property(fc.string(), (s) => {
        const slug = slugify(s);
        assert.ok(slug === '' || SLUG_PATTERN.test(slug), slug);
        assert.ok(slug.length <= 80);
      }),
    );
  });

  it('split tags on Latin and Chinese separators, drop duplicates and empties', () => {
    assert.deepEqual(normaliseTags('Recruitment, 招聘、fake headhunters；Recruitment,, ,<b>'), [
      'recruitment',
      '招聘',
      'fake-headhunters',
      'b',
    ]);
  });
});
