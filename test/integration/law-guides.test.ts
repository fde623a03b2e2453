/**
 * The law explainer and the guides, on both databases: seeded pages render in both languages,
 * every article has its own address, unknown or malformed addresses get 404/400 (never 500),
 * pages are cached with an ETag, and editors' changes are validated, audited and shown.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readContentPack } from '../../src/content-packs/loader.ts';
import { seedContentPack } from '../../src/content-packs/seed.ts';
import { guidesService } from '../../src/modules/guides/module.ts';
import { lawService } from '../../src/modules/law/module.ts';
import type { SearchDocument } from '../../src/platform/search/index.ts';
import { createStaff, createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';

const LAW = 'model-reporting-provisions';
const pack = readContentPack();

function reader(t: TestApp, lang: 'en' | 'zh-CN'): HttpClient {
  const c = t.client();
  c.lang = lang;
  return c;
}

function main(body: string): string {
  return body.slice(body.indexOf('<main'), body.indexOf('</main>'));
}

for (const dialect of await dialects()) {
  describe(`law explainer and guides (${dialect})`, () => {
    let t: TestApp;
    const indexed: SearchDocument[] = [];
    before(async () => {
      t = await createTestApp(dialect);
      const search = t.app.vigil.search;
      const original = search.index.bind(search);
      search.index = async (doc) => {
        indexed.push(doc);
        return original(doc);
      };
      // Law and guides only: the posts and the video are the content pack test's business.
      await seedContentPack(t.app.vigil, { ...pack, posts: [], videos: [] });
    });
    after(() => t.close());

    it('lists the law and its chapters in both languages', async () => {
      const en = await reader(t, 'en').get('/law');
      assert.equal(en.statusCode, 200);
      assert.match(en.body, /Counter-Espionage Awareness and Reporting Provisions \(model text\)/);
      assert.match(en.body, /<html lang="en"/);
      const zh = await reader(t, 'zh-CN').get('/law');
      assert.equal(zh.statusCode, 200);
      assert.match(zh.body, /反间谍宣传教育与举报规定（示范文本）/);

      const law = await reader(t, 'en').get(`/law/${LAW}`);
      assert.equal(law.statusCode, 200);
      assert.match(law.body, /not law in force/, 'the model text says what it is');
      assert.match(law.body, /Chapter 4: Rewards/);
      const lawZh = await reader(t, 'zh-CN').get(`/law/${LAW}`);
      assert.match(lawZh.body, /第四章 奖励/);
      assert.match(lawZh.body, /第十五条/);
      for (const a of pack.law!.articles)
        assert.ok(law.body.includes(`href="/law/${LAW}/${a.slug}"`), a.slug);
    });

    it('gives every article its own address with the text, the note, topics and neighbours', async () => {
      const articles = pack.law!.articles;
      assert.ok(articles.length >= 10 && articles.length <= 15, `${articles.length} articles`);
      for (const [i, a] of articles.entries()) {
        for (const lang of ['en', 'zh-CN'] as const) {
          const res = await reader(t, lang).get(`/law/${LAW}/${a.slug}`);
          assert.equal(res.statusCode, 200, `${a.slug} ${lang}`);
          const body = main(res.body);
          const firstLineOfText = a.text[lang].split('\n')[0]!;
          const firstLineOfNote = a.note[lang].split('\n')[0]!;
          const esc = (s: string) =>
            s.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
          assert.ok(body.includes(esc(firstLineOfText)), `${a.slug} ${lang}: the text`);
          assert.ok(body.includes(esc(firstLineOfNote)), `${a.slug} ${lang}: the note`);
          assert.ok(body.includes(`href="/law/${LAW}#${a.slug}"`), 'a link back to the law');
          if (i > 0) assert.ok(body.includes(`rel="prev" href="/law/${LAW}/${articles[i - 1]!.slug}"`));
          if (i < articles.length - 1)
            assert.ok(body.includes(`rel="next" href="/law/${LAW}/${articles[i + 1]!.slug}"`));
          for (const topic of a.topics)
            assert.ok(body.includes(`#topic-${topic}`), `${a.slug} topic ${topic}`);
        }
      }
      const six = await reader(t, 'zh-CN').get(`/law/${LAW}/article-6`);
      assert.match(six.body, /第六条 为举报人保密/);
      assert.match(six.body, /通俗解读/);
    });

    it('answers unknown articles with 404 and malformed addresses with 400 or 404, never 500', async () => {
      const c = reader(t, 'en');
      for (const url of [
        '/law/no-such-law',
        `/law/${LAW}/article-99`,
        '/law/no-such-law/article-1',
        '/guides/nope',
      ]) {
        const res = await c.get(url);
        assert.equal(res.statusCode, 404, url);
        assert.match(res.body, /Page not found/);
      }
      const malformed = [
        '/law/UPPER',
        `/law/${LAW}/Article-1`,
        '/law/-dash',
        `/law/${LAW}/a_b`,
        `/law/${'x'.repeat(120)}`,
        `/law/${LAW}/%E9%97%B4%E8%B0%8D`,
        '/law/%ZZ',
        `/law/${LAW}/%00`,
        "/law/a'b",
        '/law/..%2F..%2Fetc',
        `/law/${LAW}/article-1/extra`,
        '/guides/%3Cscript%3E',
        '/guides/UPPER',
        `/guides/${'y'.repeat(300)}`,
      ];
      for (const url of malformed) {
        const res = await c.get(url);
        // 414: the router refuses a path segment over its maximum length before any route runs.
        assert.ok([400, 404, 414].includes(res.statusCode), `${url}: ${res.statusCode}`);
        assert.doesNotMatch(res.body, /<script>/);
      }
    });

    it('serves pages from the cache with an ETag, and answers revalidation with 304', async () => {
      const c = reader(t, 'en');
      const first = await c.get(`/law/${LAW}/article-3`);
      const etag = first.headers.etag as string;
      assert.ok(etag);
      assert.ok(first.headers['last-modified']);
      const again = await c.get(`/law/${LAW}/article-3`, { 'if-none-match': etag });
      assert.equal(again.statusCode, 304);
      const zh = await reader(t, 'zh-CN').get(`/law/${LAW}/article-3`);
      assert.notEqual(zh.headers.etag, etag, 'each language is its own page');
      const guide = await c.get('/guides/at-work');
      const g304 = await c.get('/guides/at-work', { 'if-none-match': guide.headers.etag as string });
      assert.equal(g304.statusCode, 304);
    });

    it('indexes every article and guide for search in both languages', () => {
      for (const a of pack.law!.articles)
        for (const lang of ['en', 'zh-CN'] as const) {
          const doc = indexed.find((d) => d.key === `law:${LAW}/${a.slug}:${lang}`);
          assert.ok(doc, `${a.slug} ${lang} indexed`);
          assert.equal(doc.kind, 'law');
          assert.equal(doc.url, `/law/${LAW}/${a.slug}`);
          assert.ok(doc.text.includes(a.note[lang].slice(0, 20)));
        }
      for (const g of pack.guides)
        for (const lang of ['en', 'zh-CN'] as const)
          assert.ok(
            indexed.some(
              (d) =>
                d.key === `guide:${g.slug}:${lang}` && d.kind === 'guide' && d.url === `/guides/${g.slug}`,
            ),
            `${g.slug} ${lang} indexed`,
          );
    });

    it('lets an editor change an article note: validated, audited, re-indexed and live', async () => {
      const editor = await signIn(t, await createStaff(t, 'law-editor', ['editor']));
      const list = await editor.get('/admin/law');
      assert.equal(list.statusCode, 200);
      assert.match(list.body, /href="\/admin\/law\/model-reporting-provisions\/article-6"/);
      const form = await editor.get(`/admin/law/${LAW}/article-6`);
      assert.equal(form.statusCode, 200);
      const unescapeHtml = (s: string) =>
        s
          .replaceAll('&#39;', "'")
          .replaceAll('&quot;', '"')
          .replaceAll('&lt;', '<')
          .replaceAll('&gt;', '>')
          .replaceAll('&amp;', '&');
      const field = (name: string) => {
        const m = new RegExp(`name="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(form.body);
        return m ? unescapeHtml(m[1]!) : '';
      };
      const updatedAt = /name="updatedAt" value="(\d+)"/.exec(form.body)![1]!;
      const titleZh = unescapeHtml(
        /id="f-titleZh" name="titleZh" type="text" value="([^"]*)"/.exec(form.body)![1]!,
      );
      const titleEn = unescapeHtml(
        /id="f-titleEn" name="titleEn" type="text" value="([^"]*)"/.exec(form.body)![1]!,
      );
      const base = {
        titleZh,
        titleEn,
        textZh: field('textZh'),
        textEn: field('textEn'),
        noteZh: field('noteZh'),
        noteEn: field('noteEn'),
        updatedAt,
      };
      assert.ok(base.textEn.length > 50);

      const empty = await editor.postForm(`/admin/law/${LAW}/article-6`, {
        ...base,
        noteEn: '',
        noteZh: 'Typed <b>text</b> that must come back',
      });
      assert.equal(empty.statusCode, 400);
      assert.match(empty.body, /This field is required|必填/);
      assert.match(
        empty.body,
        /Typed &lt;b&gt;text&lt;\/b&gt; that must come back/,
        'typed input is kept, escaped',
      );

      const noCsrf = await editor.postForm(`/admin/law/${LAW}/article-6`, base, { csrf: 'forged' });
      assert.equal(noCsrf.statusCode, 403);

      const handler = await signIn(t, await createStaff(t, 'law-handler', ['handler']));
      assert.equal((await handler.get(`/admin/law/${LAW}/article-6`)).statusCode, 403);

      // Warm the cache so the edit has to clear it.
      const before = await reader(t, 'en').get(`/law/${LAW}/article-6`);
      assert.doesNotMatch(before.body, /Your name stays with us/);
      indexed.length = 0;
      await editor.get(`/admin/law/${LAW}/article-6`);
      const saved = await editor.postForm(`/admin/law/${LAW}/article-6`, {
        ...base,
        noteEn: 'Your name stays with us.\n\nOnly the team handling your report can see it.',
      });
      assert.equal(saved.statusCode, 303);
      assert.equal(saved.headers.location, `/admin/law/${LAW}/article-6?m=saved`);

      const live = await reader(t, 'en').get(`/law/${LAW}/article-6`);
      assert.match(
        live.body,
        /<p>Your name stays with us\.<\/p>\s*<p>Only the team handling your report can see it\.<\/p>/,
      );
      assert.notEqual(live.headers.etag, before.headers.etag);
      const zh = await reader(t, 'zh-CN').get(`/law/${LAW}/article-6`);
      assert.match(zh.body, /你的名字不会被透露/, 'the other language is unchanged');

      const entries = await t.app.vigil.audit.list({ action: 'law.article-updated', limit: 10 });
      assert.equal(entries.length, 1);
      assert.equal(entries[0]!.target_id, `${LAW}/article-6`);
      assert.equal(entries[0]!.actor_label, 'law-editor');
      assert.deepEqual(JSON.parse(entries[0]!.details).changed, ['note.en']);
      assert.ok(
        indexed.some(
          (d) => d.key === `law:${LAW}/article-6:en` && d.text.includes('Your name stays with us'),
        ),
      );

      const stale = await editor.postForm(`/admin/law/${LAW}/article-6`, {
        ...base,
        noteEn: 'An older edit',
      });
      assert.equal(stale.statusCode, 409, 'a save based on an old version is refused');
      assert.match(stale.body, /An older edit/, 'and what was typed is kept');
      const article = await lawService(t.app.vigil).loadArticle(LAW, 'article-6');
      assert.match(article!.note.en, /^Your name stays with us/);

      assert.equal((await editor.postForm(`/admin/law/${LAW}/article-99`, base)).statusCode, 404);
    });

    it('lists the guides by audience, in both languages, each with its report button', async () => {
      const en = await reader(t, 'en').get('/guides');
      assert.equal(en.statusCode, 200);
      for (const heading of ['Everyone', 'Company staff', 'Researchers and students', 'Travellers'])
        assert.ok(en.body.includes(`<h2>${heading}</h2>`), heading);
      const zh = await reader(t, 'zh-CN').get('/guides');
      for (const heading of ['普通公众', '企业员工', '科研人员和学生', '出行人员'])
        assert.ok(zh.body.includes(`<h2>${heading}</h2>`), heading);
      assert.equal(pack.guides.length, 4);
      for (const g of pack.guides) {
        for (const lang of ['en', 'zh-CN'] as const) {
          const res = await reader(t, lang).get(`/guides/${g.slug}`);
          assert.equal(res.statusCode, 200);
          const body = main(res.body);
          assert.ok(
            body.includes(`href="/report?topic=${g.reportTopic}"`),
            `${g.slug}: report link with its topic`,
          );
          assert.match(
            body,
            lang === 'en'
              ? /Red flags[\s\S]*What to do[\s\S]*Report this/
              : /警示信号[\s\S]*怎么做[\s\S]*我要举报/,
          );
          assert.equal(
            (body.match(/<li>/g) ?? []).length >= g.redFlags[lang].length + g.whatToDo[lang].length,
            true,
          );
        }
      }
    });

    it('lets an editor change a guide: validated, audited and live', async () => {
      const editor = await signIn(t, await createStaff(t, 'guide-editor', ['editor']));
      const form = await editor.get('/admin/guides/travelling');
      assert.equal(form.statusCode, 200);
      const g = (await guidesService(t.app.vigil).get('travelling'))!;
      const values = {
        titleZh: g.title['zh-CN'],
        titleEn: g.title.en,
        introZh: g.intro['zh-CN'],
        introEn: g.intro.en,
        redFlagsZh: g.redFlags['zh-CN'].join('\n'),
        redFlagsEn: `${g.redFlags.en.join('\n')}\n\nSomeone asks you to carry a parcel for a stranger.`,
        whatToDoZh: g.whatToDo['zh-CN'].join('\n'),
        whatToDoEn: g.whatToDo.en.join('\n'),
        reportTopic: 'travel',
        updatedAt: String(g.updatedAt),
      };
      const bad = await editor.postForm('/admin/guides/travelling', {
        ...values,
        reportTopic: 'Not A Topic!',
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /value="Not A Topic!"/);
      assert.match(bad.body, /Someone asks you to carry a parcel/);
      const ok = await editor.postForm('/admin/guides/travelling', values);
      assert.equal(ok.statusCode, 303);
      const page = await reader(t, 'en').get('/guides/travelling');
      assert.match(page.body, /<li>Someone asks you to carry a parcel for a stranger\.<\/li>/);
      const entries = await t.app.vigil.audit.list({ action: 'guide.updated', limit: 10 });
      assert.equal(entries.length, 1);
      assert.deepEqual(JSON.parse(entries[0]!.details).changed, ['redFlags.en']);
    });
  });
}
