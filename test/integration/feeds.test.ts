/**
 * Feeds (RSS 2.0, Atom, JSON Feed 1.1), per language and per tag; the sitemap and robots.txt; the
 * cache with its validators; daily view counts. Every feed is parsed with fast-xml-parser and checked
 * for the elements its standard requires.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { sql } from 'kysely';
import type { ViewsService } from '../../src/modules/feeds/page-views.ts';
import type { FeedService } from '../../src/modules/feeds/service.ts';
import { createStaff, createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import { insertPosts } from '../helpers/published-posts.ts';

const BASE = 'https://news.example.org';
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false });
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const RFC822 =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const HOUR = 3_600_000;
const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

// biome-ignore lint/suspicious/noExplicitAny: parsed XML and JSON are untyped trees
type Tree = any;

function parseXml(body: string): Record<string, Tree> {
  const valid = XMLValidator.validate(body);
  assert.equal(valid, true, `well-formed XML: ${JSON.stringify(valid)}`);
  return parser.parse(body);
}

/** RSS 2.0: channel title, link, description; each item a title or description; dates RFC 822. */
function checkRss(body: string) {
  const doc = parseXml(body);
  assert.equal(doc.rss['@_version'], '2.0');
  const ch = doc.rss.channel;
  for (const k of ['title', 'link', 'description']) assert.ok(typeof ch[k] === 'string', `channel ${k}`);
  assert.match(ch.link, /^https:\/\//);
  assert.match(ch.lastBuildDate, RFC822);
  assert.equal(ch['atom:link']['@_rel'], 'self');
  const items = list<Tree>(ch.item);
  for (const item of items) {
    assert.ok(item.title || item.description, 'item has a title or description');
    assert.match(item.link, /^https:\/\/news\.example\.org\//);
    assert.match(item.pubDate, RFC822);
    assert.ok(!Number.isNaN(Date.parse(item.pubDate)));
    assert.equal(item.guid['@_isPermaLink'], 'false');
    assert.match(item.guid['#text'], /^tag:news\.example\.org,\d{4}-\d{2}-\d{2}:post\//);
  }
  return { channel: ch, items };
}

/** Atom (RFC 4287): feed id, title, updated, an author (feed level), self link; entries id, title, updated. */
function checkAtom(body: string) {
  const doc = parseXml(body);
  const feed = doc.feed;
  assert.equal(feed['@_xmlns'], 'http://www.w3.org/2005/Atom');
  assert.ok(feed.id, 'feed id');
  assert.ok(feed.title['#text'] !== undefined || typeof feed.title === 'string', 'feed title');
  assert.match(feed.updated, RFC3339);
  assert.ok(feed.author?.name, 'feed author');
  const links = list<Tree>(feed.link);
  assert.ok(links.some((l) => l['@_rel'] === 'self' && l['@_href'].startsWith(BASE)));
  assert.ok(links.some((l) => l['@_rel'] === 'alternate' && l['@_type'] === 'text/html'));
  const entries = list<Tree>(feed.entry);
  for (const e of entries) {
    assert.ok(e.id && e.title && e.updated, 'entry id, title, updated');
    assert.match(e.updated, RFC3339);
    assert.match(e.published, RFC3339);
    assert.equal(e.link['@_rel'], 'alternate');
    assert.equal(e.content['@_type'], 'html');
  }
  return { feed, entries };
}

/** JSON Feed 1.1: version, title, items[]; each item an id (string) and content_html or content_text. */
function checkJsonFeed(body: string) {
  const feed = JSON.parse(body);
  assert.equal(feed.version, 'https://jsonfeed.org/version/1.1');
  assert.equal(typeof feed.title, 'string');
  assert.ok(Array.isArray(feed.items));
  assert.match(feed.feed_url, /^https:\/\//);
  assert.match(feed.home_page_url, /^https:\/\//);
  for (const item of feed.items) {
    assert.equal(typeof item.id, 'string');
    assert.ok(typeof item.content_html === 'string' || typeof item.content_text === 'string');
    assert.match(item.date_published, RFC3339);
    assert.match(item.url, /^https:\/\//);
  }
  return feed;
}

for (const dialect of await dialects()) {
  describe(`feeds, sitemap and view counts (${dialect})`, () => {
    let t: TestApp;
    const t0 = Date.UTC(2026, 9, 1, 8, 0, 0);
    before(async () => {
      t = await createTestApp(dialect, { VIGIL_PUBLIC_URL: BASE });
    });
    after(() => t.close());

    const get = (url: string, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'GET', url, headers });
    const clearCache = () => t.app.vigil.events.emit('content.changed', { kind: 'post' });

    it('serves valid empty feeds before anything is published', async () => {
      const rss = await get('/feed.xml');
      assert.equal(rss.statusCode, 200);
      assert.equal(rss.headers['content-type'], 'application/rss+xml; charset=utf-8');
      assert.equal(checkRss(rss.body).items.length, 0);
      const atom = await get('/feed.atom');
      assert.equal(atom.headers['content-type'], 'application/atom+xml; charset=utf-8');
      assert.equal(checkAtom(atom.body).entries.length, 0);
      const json = await get('/feed.json');
      assert.equal(json.headers['content-type'], 'application/feed+json; charset=utf-8');
      assert.equal(checkJsonFeed(json.body).items.length, 0);
    });

    it('lists the latest 50 published posts, newest first, with everything escaped', async () => {
      const nasty = 'Spies & <script>alert("x")</script> ]]> \u0001 “quotes” 🕵️';
      const html = `<p>Case &amp; facts <a href="/law/cs/article-16">art. 16</a> <img src="/media/x.jpg" alt="a"></p><p>]]&gt; ${'\u0007'}</p>`;
      await insertPosts(t.db.handle.db, [
        ...Array.from({ length: 60 }, (_, i) => ({
          lang: (i % 2 ? 'en' : 'zh-CN') as 'en' | 'zh-CN',
          slug: `case-${i}`,
          title: i % 2 ? `Case ${i}` : `案例 ${i}`,
          summary: `summary ${i}`,
          tags: i % 3 === 0 ? ['recruitment', '间谍'] : ['conferences'],
          publishedAt: t0 + i * HOUR,
        })),
        {
          lang: 'en',
          slug: 'nasty',
          title: nasty,
          summary: nasty,
          html,
          tags: ['edge'],
          publishedAt: t0 + 100 * HOUR,
        },
        { lang: 'en', slug: 'draft', title: 'Draft', status: 'draft', publishedAt: t0 + 200 * HOUR },
        { lang: 'en', slug: 'gone', title: 'Gone', status: 'unpublished', publishedAt: t0 + 201 * HOUR },
        { lang: 'en', slug: 'about', title: 'About page', kind: 'page', publishedAt: t0 + 202 * HOUR },
      ]);
      await clearCache();

      const rss = checkRss((await get('/feed.xml')).body);
      assert.equal(rss.items.length, 50);
      assert.equal(rss.items[0].title, nasty.replace('\u0001', ''), 'markup in a title is text, not markup');
      assert.equal(rss.items[1].title, 'Case 59');
      assert.equal(rss.items[2].title, '案例 58');
      const titles = rss.items.map((i: Tree) => i.title);
      for (const hidden of ['Draft', 'Gone', 'About page']) assert.ok(!titles.includes(hidden), hidden);
      const content = rss.items[0]['content:encoded'];
      assert.ok(content.includes(`<a href="${BASE}/law/cs/article-16">`), 'relative links made absolute');
      assert.ok(content.includes(`<img src="${BASE}/media/x.jpg"`), 'relative images made absolute');
      assert.ok(!content.includes('\u0007'), 'characters XML forbids are dropped');
      assert.deepEqual(list(rss.items[0].category), ['edge']);
      const dates = rss.items.map((i: Tree) => Date.parse(i.pubDate));
      assert.deepEqual(
        dates,
        [...dates].sort((a, b) => b - a),
        'newest first',
      );

      const atom = checkAtom((await get('/feed.atom')).body);
      assert.equal(atom.entries.length, 50);
      assert.equal(atom.entries[0].title['#text'], nasty.replace('\u0001', ''));
      assert.equal(atom.entries[0]['@_xml:lang'], 'en');
      assert.ok(atom.entries[0].content['#text'].includes('<p>Case &amp; facts'));

      const json = checkJsonFeed((await get('/feed.json')).body);
      assert.equal(json.items.length, 50);
      assert.equal(json.items[0].title, nasty.replace('\u0001', ''));
      assert.equal(json.items[0].language, 'en');
      assert.deepEqual(json.items[0].tags, ['edge']);
      assert.equal(json.items[0].id, rss.items[0].guid['#text'], 'one stable id across formats');
      assert.equal(json.items[0].id, atom.entries[0].id);
    });

    it('has per-language and per-tag feeds, and refuses malformed or unknown tags', async () => {
      const zh = checkRss((await get('/zh-CN/feed.xml')).body);
      assert.equal(zh.channel.language, 'zh-CN');
      assert.equal(zh.items.length, 30);
      assert.ok(zh.items.every((i: Tree) => i.title.startsWith('案例')));
      const en = checkAtom((await get('/en/feed.atom')).body);
      assert.equal(en.feed['@_xml:lang'], 'en');
      assert.ok(en.entries.every((e: Tree) => e['@_xml:lang'] === 'en'));
      const enJson = checkJsonFeed((await get('/en/feed.json')).body);
      assert.equal(enJson.language, 'en');
      assert.equal(enJson.feed_url, `${BASE}/en/feed.json`);

      const tagged = checkRss((await get(`/tags/${encodeURIComponent('间谍')}/feed.xml`)).body);
      assert.equal(tagged.items.length, 20);
      assert.ok(tagged.items.every((i: Tree) => list(i.category).includes('间谍')));
      const taggedEn = checkJsonFeed((await get('/en/tags/recruitment/feed.json')).body);
      assert.equal(taggedEn.items.length, 10);
      assert.ok(taggedEn.items.every((i: Tree) => i.language === 'en' && i.tags.includes('recruitment')));
      checkAtom((await get('/zh-CN/tags/conferences/feed.atom')).body);

      assert.equal((await get('/tags/no-such-tag/feed.xml')).statusCode, 404);
      assert.equal((await get('/fr/feed.xml')).statusCode, 404);
      for (const bad of [
        '/tags/%3Cscript%3E/feed.xml',
        '/tags/a%20b/feed.atom',
        '/tags/%00/feed.json',
        `/tags/${'x'.repeat(300)}/feed.xml`,
        '/tags/%E0%A4%A/feed.xml',
        '/tags/%/feed.xml',
        '/en/tags/..%2F..%2Fetc/feed.json',
      ]) {
        const res = await get(bad);
        // Fastify answers 414 for a path parameter longer than the router accepts.
        assert.ok([400, 414].includes(res.statusCode), `${bad} → ${res.statusCode}`);
      }
    });

    it('serves feeds from cache with ETag and Last-Modified, and regenerates on content events', async () => {
      const first = await get('/en/feed.xml');
      const etag = String(first.headers.etag);
      const lastModified = String(first.headers['last-modified']);
      assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
      assert.equal(new Date(lastModified).getTime(), t0 + 100 * HOUR, 'Last-Modified is the newest post');
      assert.equal((await get('/en/feed.xml', { 'if-none-match': etag })).statusCode, 304);
      assert.equal((await get('/en/feed.xml', { 'if-none-match': `"x", W/${etag}` })).statusCode, 304);
      assert.equal((await get('/en/feed.xml', { 'if-modified-since': lastModified })).statusCode, 304);
      assert.equal((await get('/en/feed.xml', { 'if-none-match': '"other"' })).statusCode, 200);
      assert.equal((await get('/en/feed.xml', { 'if-modified-since': 'garbage' })).statusCode, 200);

      await insertPosts(t.db.handle.db, [
        { lang: 'en', slug: 'fresh', title: 'Fresh case', publishedAt: t0 + 300 * HOUR },
      ]);
      const stale = await get('/en/feed.xml');
      assert.equal(stale.headers.etag, etag, 'served from cache until content changes');
      await t.app.vigil.events.emit('post.published', {
        id: 'x',
        lang: 'en',
        kind: 'post',
        firstTime: true,
      });
      const fresh = await get('/en/feed.xml', { 'if-none-match': etag });
      assert.equal(fresh.statusCode, 200);
      assert.notEqual(fresh.headers.etag, etag);
      assert.equal(checkRss(fresh.body).items[0].title, 'Fresh case');
    });

    it('reads the newest posts through the posts_live index', async () => {
      const feeds = t.app.vigil.services.get('feeds') as FeedService;
      const q = feeds.repo.latestSql('en', 50);
      if (dialect === 'sqlite') {
        const sqlite = t.db.handle.sqlite!;
        const rows = sqlite.prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as {
          detail: string;
        }[];
        const text = rows.map((r) => r.detail).join(' | ');
        assert.match(text, /posts_live/, text);
        assert.doesNotMatch(text, /TEMP B-TREE/, `no sort of the whole table: ${text}`);
      } else {
        await sql`analyze posts`.execute(t.db.handle.db);
        const text = (
          await sql<{ 'QUERY PLAN': string }>`explain ${sql.raw(
            q.sql.replace(/\$(\d+)/g, (_m, n: string) => `'${String(q.parameters[Number(n) - 1])}'`),
          )}`.execute(t.db.handle.db)
        ).rows
          .map((r) => r['QUERY PLAN'])
          .join(' | ');
        // A 70-row table may be read sequentially; the index must at least be usable for it.
        assert.ok(/posts_live|Seq Scan/.test(text), text);
      }
    });

    it('writes a sitemap of posts (both languages, with translations), laws, articles, guides and home', async () => {
      const db = t.db.handle.db;
      const group = 'group-translated';
      await insertPosts(db, [
        { lang: 'zh-CN', slug: 'translated-zh', title: '译文', group, publishedAt: t0 + 400 * HOUR },
        { lang: 'en', slug: 'translated-en', title: 'Translated', group, publishedAt: t0 + 401 * HOUR },
      ]);
      await db
        .insertInto('laws')
        .values({
          slug: 'counter-espionage',
          title_en: 'Law',
          title_zh: '法',
          summary_en: '',
          summary_zh: '',
          position: 1,
          updated_at: t0,
        })
        .execute();
      await db
        .insertInto('law_articles')
        .values({
          law_slug: 'counter-espionage',
          slug: 'article-16',
          chapter_no: 1,
          chapter_title_en: 'c',
          chapter_title_zh: 'c',
          article_no: 16,
          title_en: 'Ways to report',
          title_zh: '举报方式',
          text_en: 't',
          text_zh: 't',
          note_en: 'n',
          note_zh: 'n',
          topics: '[]',
          updated_at: t0 + HOUR,
        })
        .execute();
      await db
        .insertInto('guides')
        .values({
          slug: 'travellers',
          audience: 'travellers',
          title_en: 'g',
          title_zh: 'g',
          intro_en: '',
          intro_zh: '',
          red_flags_en: '[]',
          red_flags_zh: '[]',
          what_to_do_en: '[]',
          what_to_do_zh: '[]',
          report_topic: 'travel',
          position: 1,
          updated_at: t0 + 2 * HOUR,
        })
        .execute();
      await t.app.vigil.events.emit('content.changed', { kind: 'law' });

      const res = await get('/sitemap.xml');
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/xml; charset=utf-8');
      const doc = parseXml(res.body);
      assert.equal(doc.urlset['@_xmlns'], 'http://www.sitemaps.org/schemas/sitemap/0.9');
      const urls = list<Tree>(doc.urlset.url);
      const locs = urls.map((u) => u.loc);
      for (const u of urls) {
        assert.match(u.loc, /^https:\/\/news\.example\.org\//);
        assert.match(u.lastmod, RFC3339);
      }
      assert.ok(locs.includes(`${BASE}/`), 'home');
      assert.ok(locs.includes(`${BASE}/posts/translated-zh`) && locs.includes(`${BASE}/posts/case-1`));
      assert.ok(!locs.includes(`${BASE}/posts/draft`) && !locs.includes(`${BASE}/posts/gone`));
      assert.ok(locs.includes(`${BASE}/pages/about`), 'published pages');
      assert.ok(locs.includes(`${BASE}/law/counter-espionage`));
      assert.ok(locs.includes(`${BASE}/law/counter-espionage/article-16`));
      assert.ok(locs.includes(`${BASE}/guides/travellers`));
      const translated = urls.find((u) => u.loc === `${BASE}/posts/translated-en`);
      const alternates = list<Tree>(translated['xhtml:link']).map((l) => `${l['@_hreflang']} ${l['@_href']}`);
      assert.deepEqual(alternates, [`zh-CN ${BASE}/posts/translated-zh`, `en ${BASE}/posts/translated-en`]);
      assert.equal(
        (await get('/sitemap.xml', { 'if-none-match': String(res.headers.etag) })).statusCode,
        304,
      );

      const robots = await get('/robots.txt');
      assert.equal(robots.statusCode, 200);
      assert.match(robots.headers['content-type'] as string, /^text\/plain/);
      assert.match(robots.body, /^Sitemap: https:\/\/news\.example\.org\/sitemap\.xml$/m);
      assert.match(robots.body, /^Disallow: \/admin$/m);
    });

    it('counts views per day in memory, adds them to page_views, and stores nothing else', async () => {
      const db = t.db.handle.db;
      const tables = [
        'settings',
        'staff',
        'sessions',
        'throttles',
        'audit_log',
        'jobs',
        'posts',
        'post_tags',
        'subscribers',
        'search_docs',
      ] as const;
      const counts = async () =>
        Object.fromEntries(
          await Promise.all(
            tables.map(
              async (name) =>
                [
                  name,
                  Number(
                    (
                      await db
                        .selectFrom(name)
                        .select(db.fn.countAll<number>().as('n'))
                        .executeTakeFirstOrThrow()
                    ).n,
                  ),
                ] as const,
            ),
          ),
        );
      const before = await counts();
      const views = t.app.vigil.services.get('views') as ViewsService & { flush(): Promise<void> };
      t.clock.ms = Date.UTC(2026, 10, 22, 23, 59, 0);
      for (let i = 0; i < 5; i++) views.countView('/posts/case-1');
      views.countView('/posts/case-2');
      views.countView('https://elsewhere.example/x');
      views.countView('//elsewhere.example/x');
      views.countView(`/${'x'.repeat(400)}`);
      await views.flush();
      t.clock.advance(2 * 60_000); // past midnight UTC: a new day
      for (let i = 0; i < 3; i++) views.countView('/posts/case-1');
      await views.flush();
      views.countView('/posts/case-1');
      await views.flush();

      const rows = await db.selectFrom('page_views').selectAll().orderBy('day').orderBy('path').execute();
      assert.deepEqual(
        rows.map((r) => ({ ...r, views: Number(r.views) })),
        [
          { day: '2026-11-22', path: '/posts/case-1', views: 5 },
          { day: '2026-11-22', path: '/posts/case-2', views: 1 },
          { day: '2026-11-23', path: '/posts/case-1', views: 4 },
        ],
      );
      assert.deepEqual(
        Object.keys(rows[0]!).sort(),
        ['day', 'path', 'views'],
        'nothing but day, path, count',
      );
      assert.deepEqual(await counts(), before, 'no other table was written');

      const editor = await signIn(t, await createStaff(t, 'views-editor', ['editor']));
      views.countView('/posts/case-2');
      const page = await editor.get('/admin/views?days=7');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /data-testid="views-per-day"/);
      assert.match(page.body, /2026-11-23<\/time><\/th><td class="num">5</, 'unflushed counts show at once');
      assert.match(page.body, /\/posts\/case-1<\/a><\/td><td class="num">9</);
      assert.equal((await editor.get('/admin/views?days=abc')).statusCode, 400);
      assert.doesNotMatch(String(page.headers['set-cookie'] ?? ''), /view/i);
    });

    it('never answers a feed address with a 5xx, whatever the tag', async () => {
      const paths = ['feed.xml', 'feed.atom', 'feed.json'];
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.string({ maxLength: 120 }), fc.stringMatching(/^[%A-Fa-f0-9]{0,40}$/)),
          fc.constantFrom('', '/en', '/zh-CN', '/xx'),
          fc.constantFrom(...paths),
          async (tag, prefix, file) => {
            const encoded = tag.includes('%') ? tag : encodeURIComponent(tag);
            const res = await get(`${prefix}/tags/${encoded}/${file}`);
            assert.ok(res.statusCode < 500, `${prefix}/tags/${encoded}/${file} → ${res.statusCode}`);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
}
