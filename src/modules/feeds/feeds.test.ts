import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { notModified } from './cache.ts';
import { feedPath } from './urls.ts';
import { absolutiseUrls, rfc822, rfc3339, xmlEscape } from './xml.ts';

describe('feed text helpers', () => {
  it('escapes XML and drops characters XML 1.0 forbids', () => {
    assert.equal(
      xmlEscape(`<a href="x">&'</a>]]>`),
      '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;]]&gt;',
    );
    assert.equal(xmlEscape('a\u0000b\u0008c\u000bd\ufffee\tf\ng'), 'abcde\tf\ng');
    assert.equal(xmlEscape('lone \ud800 surrogate \udc00 and pair 🕵'), 'lone  surrogate  and pair 🕵');
  });

  it('formats dates for RSS and Atom', () => {
    const ms = Date.UTC(2026, 10, 22, 9, 5, 7, 123);
    assert.equal(rfc822(ms), 'Sun, 22 Nov 2026 09:05:07 GMT');
    assert.equal(rfc3339(ms), '2026-11-22T09:05:07Z');
  });

  it('makes root-relative links absolute and leaves the rest alone', () => {
    const html =
      '<a href="/posts/a">x</a><img src="/m/1.webp"><a href="//evil.example/">y</a><a href="https://x.example/">z</a><video poster="/p.jpg">';
    assert.equal(
      absolutiseUrls(html, 'https://s.example'),
      '<a href="https://s.example/posts/a">x</a><img src="https://s.example/m/1.webp"><a href="//evil.example/">y</a><a href="https://x.example/">z</a><video poster="https://s.example/p.jpg">',
    );
  });

  it('builds feed paths', () => {
    assert.equal(feedPath('rss'), '/feed.xml');
    assert.equal(feedPath('atom', 'en'), '/en/feed.atom');
    assert.equal(feedPath('json', 'zh-CN', '间谍'), `/zh-CN/tags/${encodeURIComponent('间谍')}/feed.json`);
  });

  it('evaluates conditional requests as RFC 9110 says', () => {
    const req = (headers: Record<string, string>) => ({ headers }) as unknown as FastifyRequest;
    const etag = '"abc"';
    const lm = Date.UTC(2026, 0, 1);
    assert.equal(notModified(req({ 'if-none-match': '"abc"' }), etag, lm), true);
    assert.equal(notModified(req({ 'if-none-match': 'W/"abc"' }), etag, lm), true);
    assert.equal(notModified(req({ 'if-none-match': '"x", "abc"' }), etag, lm), true);
    assert.equal(notModified(req({ 'if-none-match': '*' }), etag, lm), true);
    assert.equal(
      notModified(req({ 'if-none-match': '"x"', 'if-modified-since': new Date(lm).toUTCString() }), etag, lm),
      false,
    );
    assert.equal(notModified(req({ 'if-modified-since': new Date(lm).toUTCString() }), etag, lm), true);
    assert.equal(
      notModified(req({ 'if-modified-since': new Date(lm - 1000).toUTCString() }), etag, lm),
      false,
    );
    assert.equal(notModified(req({ 'if-modified-since': 'yesterday' }), etag, lm), false);
  });
});
