import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { escapeHtml, html, unsafeRaw } from './html.ts';
import { en } from './i18n/en.ts';
import { fill, negotiateLang } from './i18n/index.ts';
import { zhCN } from './i18n/zh-CN.ts';

describe('html templates', () => {
  it('escapes every interpolated string so no markup can be injected', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const escaped = escapeHtml(s);
        assert.doesNotMatch(escaped, /[<>"']/, 'nothing that can open a tag or close an attribute');
        assert.equal(html`<p title="${s}">${s}</p>`.toString(), `<p title="${escaped}">${escaped}</p>`);
        const decoded = escaped
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&#39;/g, "'")
          .replace(/&amp;/g, '&');
        assert.equal(decoded, s, 'escaping loses nothing');
      }),
    );
    assert.equal(
      escapeHtml(`<script>alert("x")</script>&'`),
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;',
    );
  });

  it('nests safe fragments, joins arrays and drops empty values', () => {
    const items = ['a<b', 'c'];
    assert.equal(
      html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`.toString(),
      '<ul><li>a&lt;b</li><li>c</li></ul>',
    );
    assert.equal(html`${null}${undefined}${false}${0}`.toString(), '0');
    assert.equal(html`${unsafeRaw('<svg></svg>')}`.toString(), '<svg></svg>');
  });
});

describe('message catalogues', () => {
  function keys(o: object, prefix = ''): string[] {
    return Object.entries(o).flatMap(([k, v]) =>
      typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
    );
  }
  function values(o: object): string[] {
    return Object.values(o).flatMap((v) => (typeof v === 'object' ? values(v) : [v as string]));
  }
  it('have the same keys, no empty message, and Chinese where Chinese is expected', () => {
    assert.deepEqual(keys(zhCN).sort(), keys(en).sort());
    for (const v of [...values(en), ...values(zhCN)]) assert.ok(v.trim().length > 0);
    assert.match(zhCN.home.title, /[\u4e00-\u9fff]/);
  });
  it('use the same placeholders in both languages', () => {
    const enMap = new Map(keys(en).map((k, i) => [k, values(en)[i]!]));
    const zhMap = new Map(keys(zhCN).map((k, i) => [k, values(zhCN)[i]!]));
    for (const [k, v] of enMap) {
      const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      assert.deepEqual(ph(zhMap.get(k)!), ph(v), k);
    }
  });
  it('fill replaces known placeholders only', () => {
    assert.equal(fill('{a} and {b}', { a: 1 }), '1 and {b}');
  });
});

describe('language negotiation', () => {
  it('picks the best supported language and never throws on any header', () => {
    assert.equal(negotiateLang(undefined, 'en-US,en;q=0.9,zh-CN;q=0.8'), 'en');
    assert.equal(negotiateLang(undefined, 'en;q=0.3, zh-HK;q=0.7'), 'zh-CN');
    assert.equal(negotiateLang(undefined, 'fr, de'), 'zh-CN');
    assert.equal(negotiateLang('en', 'zh-CN'), 'en');
    assert.equal(negotiateLang('klingon', 'en'), 'en');
    fc.assert(
      fc.property(fc.option(fc.string()), fc.option(fc.string({ maxLength: 2000 })), (cookie, header) => {
        const lang = negotiateLang(cookie ?? undefined, header ?? undefined);
        assert.ok(lang === 'en' || lang === 'zh-CN');
      }),
    );
  });
});
