/**
 * Search on both databases: Chinese words of two characters (and one) inside longer text, English
 * plural and tense variants, filters, removal and re-indexing, highlighted snippets, and the public
 * page: both languages, pagination, hostile queries and malformed parameters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SearchDocument, SearchIndex } from '../../src/platform/search/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';

const DOCS: SearchDocument[] = [
  {
    key: 'test:consultancy:zh-CN',
    kind: 'post',
    lang: 'zh-CN',
    title: '以尽职调查为名的咨询公司',
    text: '某咨询公司以境外上市尽职调查为掩护，长期收集我国涉密数据和核心数据，实为境外间谍情报机关服务。发现此类情况请及时举报。',
    url: '/posts/consultancy',
    updatedAt: 1,
  },
  {
    key: 'test:consultancy:en',
    kind: 'post',
    lang: 'en',
    title: 'A consultancy with a cover story',
    text: 'A consultancy used due diligence for an overseas listing as cover. Staff reported it after noticing that classified data was being collected.',
    url: '/posts/consultancy-en',
    updatedAt: 1,
  },
  {
    key: 'test:recruiting:en',
    kind: 'guide',
    lang: 'en',
    title: 'Fake headhunters',
    text: 'Recruiters who offer generous pay for reports about your employer are a red flag. Reporting an approach is simple.',
    url: '/guides/headhunters',
    updatedAt: 1,
  },
  {
    key: 'test:app:zh-CN',
    kind: 'law',
    lang: 'zh-CN',
    title: '第十六条 举报',
    text: '有的APP违规收集个人位置信息。任何公民和组织都有权向国家安全机关举报。',
    url: '/law/counter-espionage/article-16',
    updatedAt: 1,
  },
  {
    key: 'test:photo:zh-CN',
    kind: 'guide',
    lang: 'zh-CN',
    title: '在军事设施附近拍照',
    text: '不要在军事设施附近拍照或放飞无人机。',
    url: '/guides/photography',
    updatedAt: 1,
  },
];

const keysOf = (hits: { key: string }[]) => hits.map((h) => h.key).sort();

for (const dialect of await dialects()) {
  describe(`search (${dialect})`, () => {
    let t: TestApp;
    let search: SearchIndex;
    before(async () => {
      t = await createTestApp(dialect);
      search = t.app.vigil.search;
      for (const doc of DOCS) await search.index(doc);
    });
    after(() => t.close());

    it('finds a two-character Chinese word inside longer text, and a single character', async () => {
      assert.deepEqual(keysOf(await search.search('间谍', { limit: 10 })), ['test:consultancy:zh-CN']);
      assert.deepEqual(keysOf(await search.search('谍', { limit: 10 })), ['test:consultancy:zh-CN']);
      // A longer word is the AND of its bigrams: 国家安全机关 appears only in the law article.
      assert.deepEqual(keysOf(await search.search('国家安全机关', { limit: 10 })), ['test:app:zh-CN']);
      assert.deepEqual(
        keysOf(await search.search('举报', { limit: 10 })),
        ['test:app:zh-CN', 'test:consultancy:zh-CN'],
        'in the text of one and the title of the other',
      );
      assert.deepEqual(await search.search('间谍 无人机', { limit: 10 }), [], 'every word must match');
    });

    it('matches mixed Chinese and English queries', async () => {
      assert.deepEqual(keysOf(await search.search('APP 收集', { limit: 10 })), ['test:app:zh-CN']);
      assert.deepEqual(keysOf(await search.search('app收集 位置', { limit: 10 })), ['test:app:zh-CN']);
    });

    it('matches English plural and tense variants', async () => {
      for (const q of ['report', 'reports', 'reported', 'REPORTING']) {
        assert.deepEqual(
          keysOf(await search.search(q, { limit: 10 })),
          ['test:consultancy:en', 'test:recruiting:en'],
          q,
        );
      }
      assert.deepEqual(keysOf(await search.search('recruiter', { limit: 10 })), ['test:recruiting:en']);
      assert.deepEqual(keysOf(await search.search('collect listings', { limit: 10 })), [
        'test:consultancy:en',
      ]);
    });

    it('filters by language and kind', async () => {
      await search.index({
        key: 'test:bilingual:en',
        kind: 'page',
        lang: 'en',
        title: 'Rewards 奖励',
        text: 'How rewards are paid. 奖励',
        url: '/rewards',
        updatedAt: 2,
      });
      const both = keysOf(await search.search('奖励', { limit: 10 }));
      assert.deepEqual(both, ['test:bilingual:en']);
      assert.deepEqual(await search.search('奖励', { lang: 'zh-CN', limit: 10 }), []);
      assert.deepEqual(keysOf(await search.search('奖励', { lang: 'en', limit: 10 })), ['test:bilingual:en']);
      assert.deepEqual(keysOf(await search.search('report', { kind: 'guide', limit: 10 })), [
        'test:recruiting:en',
      ]);
      assert.deepEqual(keysOf(await search.search('report', { kind: 'post', lang: 'en', limit: 10 })), [
        'test:consultancy:en',
      ]);
      assert.deepEqual(await search.search('report', { kind: 'law', limit: 10 }), []);
    });

    it('removes documents, and re-indexing a key replaces it', async () => {
      await search.index({ ...DOCS[4]!, key: 'test:temp', text: '临时文件里的隐蔽词语' });
      assert.deepEqual(keysOf(await search.search('隐蔽', { limit: 10 })), ['test:temp']);
      await search.index({
        ...DOCS[4]!,
        key: 'test:temp',
        title: 'Replaced',
        text: 'entirely different words',
      });
      assert.deepEqual(await search.search('隐蔽', { limit: 10 }), [], 'the old text is gone from the index');
      const hits = await search.search('entirely different', { limit: 10 });
      assert.deepEqual(keysOf(hits), ['test:temp']);
      assert.equal(hits[0]!.title, 'Replaced');
      const rows = await t.db.handle.db
        .selectFrom('search_docs')
        .select('key')
        .where('key', '=', 'test:temp')
        .execute();
      assert.equal(rows.length, 1);
      await search.remove('test:temp');
      assert.deepEqual(await search.search('entirely', { limit: 10 }), []);
      await search.remove('test:never-indexed');
    });

    it('keeps finding documents after the daily optimisation', async () => {
      await search.optimize();
      assert.deepEqual(keysOf(await search.search('间谍', { limit: 10 })), ['test:consultancy:zh-CN']);
      assert.deepEqual(keysOf(await search.search('recruiter', { limit: 10 })), ['test:recruiting:en']);
    });

    it('returns snippets with the matched words highlighted', async () => {
      const [zh] = await search.search('间谍', { limit: 1 });
      assert.ok(zh);
      assert.deepEqual(
        zh.highlights.map(([s, e]) => zh.snippet.slice(s, e)),
        ['间谍'],
      );
      const [en] = await search.search('collecting', { limit: 1 });
      assert.ok(en);
      assert.deepEqual(
        en.highlights.map(([s, e]) => en.snippet.slice(s, e)),
        ['collected'],
      );
    });

    it('pages through results without counting them all', async () => {
      const docs: SearchDocument[] = Array.from({ length: 25 }, (_, i) => ({
        key: `test:page:${String(i).padStart(2, '0')}`,
        kind: 'post',
        lang: 'en',
        title: `Pagination probe ${i}`,
        text: `The word zanzibarite appears here ${i % 3 === 0 ? 'twice: zanzibarite' : 'once'}.`,
        url: `/posts/page-${i}`,
        updatedAt: 3,
      }));
      await search.indexMany(docs);
      const seen = new Set<string>();
      for (let offset = 0; offset < 30; offset += 10) {
        for (const h of await search.search('zanzibarite', { limit: 10, offset })) seen.add(h.key);
      }
      assert.equal(seen.size, 25, 'three pages cover every match once');
      const c = t.client();
      const p1 = await c.get('/search?q=zanzibarite', { 'accept-language': 'en' });
      assert.equal(p1.statusCode, 200);
      assert.equal((p1.body.match(/class="search-result"/g) ?? []).length, 10);
      assert.match(p1.body, /rel="next" href="\/search\?q=zanzibarite&amp;page=2"/);
      assert.doesNotMatch(p1.body, /rel="prev"/);
      const p3 = await c.get('/search?q=zanzibarite&page=3', { 'accept-language': 'en' });
      assert.equal((p3.body.match(/class="search-result"/g) ?? []).length, 5);
      assert.match(p3.body, /Results 21–25/);
      assert.match(p3.body, /rel="prev"/);
      assert.doesNotMatch(p3.body, /rel="next"/);
      for (const d of docs) await search.remove(d.key);
    });

    it('serves the results page in both languages with <mark> highlights', async () => {
      const c = t.client();
      const zh = await c.get(`/search?q=${encodeURIComponent('间谍')}`, { 'accept-language': 'zh-CN' });
      assert.equal(zh.statusCode, 200);
      assert.match(zh.headers['content-type'] as string, /text\/html/);
      assert.equal(zh.headers['cache-control'], 'no-store', 'what people search for is not cached');
      assert.match(zh.body, /<html lang="zh-CN"/);
      assert.match(zh.body, /第 1–1 条结果/);
      assert.match(zh.body, /<mark>间谍<\/mark>/);
      assert.match(zh.body, /href="\/posts\/consultancy"/);
      assert.match(zh.body, /以尽职调查为名的咨询公司/);
      assert.match(zh.body, /value="间谍"/, 'the query stays in the box');

      const en = await c.get('/search?q=reports&lang=en&kind=guide', { 'accept-language': 'en' });
      assert.equal(en.statusCode, 200);
      assert.match(en.body, /Results 1–1/);
      assert.match(en.body, /<a href="\/guides\/headhunters" hreflang="en" lang="en">Fake headhunters<\/a>/);
      assert.match(en.body, /<mark>reports<\/mark>/);
      assert.match(en.body, /<mark>Reporting<\/mark>/);
      assert.match(en.body, /<option value="guide" selected>Guides<\/option>/);
      assert.match(en.body, /<option value="en" selected>English<\/option>/);

      const none = await c.get('/search?q=nonexistentword', { 'accept-language': 'en' });
      assert.equal(none.statusCode, 200);
      assert.match(none.body, /Nothing matches “nonexistentword”/);
      const noneZh = await c.get('/search?q=nonexistentword', { 'accept-language': 'zh-CN' });
      assert.match(noneZh.body, /没有找到与“nonexistentword”匹配的内容/);

      const punct = await c.get(`/search?q=${encodeURIComponent('“”!?')}`, { 'accept-language': 'en' });
      assert.equal(punct.statusCode, 200);
      assert.match(punct.body, /punctuation and symbols on their own are not searched/);

      const form = await c.get('/search', { 'accept-language': 'zh-CN' });
      assert.equal(form.statusCode, 200);
      assert.match(form.body, /<form method="get" action="\/search" role="search"/);
      assert.ok(form.headers.etag, 'the bare form comes from the page cache');
      const again = await c.get('/search', {
        'accept-language': 'zh-CN',
        'if-none-match': String(form.headers.etag),
      });
      assert.equal(again.statusCode, 304);
    });

    it('renders hostile documents and queries inert', async () => {
      await search.index({
        key: 'test:xss',
        kind: 'post',
        lang: 'en',
        title: '<script>alert("title")</script> xssprobe',
        text: 'Before <img src=x onerror=alert(1)> xssprobe "quoted" & <b>bold</b> after',
        url: 'javascript:alert(1)',
        updatedAt: 4,
      });
      const c = t.client();
      const q = '"><script>alert(1)</script> xssprobe';
      const res = await c.get(`/search?q=${encodeURIComponent(q)}`, { 'accept-language': 'en' });
      assert.equal(res.statusCode, 200);
      assert.doesNotMatch(res.body, /<script/i);
      assert.doesNotMatch(res.body, /<img/i);
      assert.doesNotMatch(res.body, /<b>bold/);
      assert.doesNotMatch(res.body, /href="javascript:/i);
      assert.match(
        res.body,
        /&lt;<mark>script<\/mark>&gt;<mark>alert<\/mark>\(&quot;title&quot;\)&lt;\/<mark>script<\/mark>&gt; <mark>xssprobe<\/mark>/,
      );
      assert.match(res.body, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt; xssprobe"/);
      await search.remove('test:xss');
    });

    it('answers malformed parameters with a 400 page in the visitor’s language, never a 500', async () => {
      const c = t.client();
      const bad = [
        '/search?page=abc&q=report',
        '/search?page=0&q=report',
        '/search?page=1.5&q=report',
        '/search?page=99999&q=report',
        '/search?lang=fr&q=report',
        '/search?kind=secret&q=report',
        `/search?q=${'x'.repeat(201)}`,
        '/search?q=a&q=b',
        '/search?q=report&lang=en&lang=zh-CN',
      ];
      for (const url of bad) {
        const en = await c.get(url, { 'accept-language': 'en' });
        assert.equal(en.statusCode, 400, url);
        assert.match(en.body, /We could not read that search/, url);
        assert.match(
          en.body,
          /<form method="get" action="\/search"/,
          `${url}: the form is there to try again`,
        );
        const zh = await c.get(url, { 'accept-language': 'zh-CN' });
        assert.equal(zh.statusCode, 400, url);
        assert.match(zh.body, /无法读取该搜索请求/, url);
      }
      for (const url of ['/search?q=%E4%B8', '/search?q=%00%01report', '/search?q=report&unknown=1']) {
        const res = await c.get(url);
        assert.ok(res.statusCode < 500, `${url}: ${res.statusCode}`);
      }
    });
  });
}
