/**
 * The default content pack: what it ships (checked on the files), and seeding it on both databases
 * through the real services — twice, creating nothing the second time.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type ContentPack, readContentPack } from '../../src/content-packs/loader.ts';
import { packMediaId } from '../../src/content-packs/seed.ts';
import { seed, seedDatabase, seedIfEmpty } from '../../src/seed.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';

const CASES = [
  'due-diligence-cover',
  'online-recruitment',
  'conferences-study-trips',
  'paid-surveys',
  'photography-sensitive-sites',
  'apps-devices',
  'insider-cultivation',
  'after-reporting',
];
const LAW_TOPICS = ['reporting', 'confidentiality', 'rewards', 'education', 'complaints'];
const LANGS = ['en', 'zh-CN'] as const;

describe('the default content pack (files)', () => {
  let pack: ContentPack;
  before(() => {
    pack = readContentPack();
  });

  it('has at least eight posts per language, one per kind of case, each with red flags, what to do and a report link', () => {
    const posts = pack.posts.filter((p) => p.kind === 'post');
    assert.ok(posts.length >= 8, `${posts.length} posts`);
    assert.deepEqual(
      CASES.filter((c) => !posts.some((p) => p.case === c)),
      [],
      'every kind of case is covered',
    );
    for (const p of posts) {
      assert.ok(p.reportTopic, `${p.slug}: a report topic`);
      assert.deepEqual(
        p.translations.map((t) => t.lang),
        ['en', 'zh-CN'],
      );
      for (const t of p.translations) {
        const where = `${p.slug} (${t.lang})`;
        assert.match(t.bodyMd, t.lang === 'en' ? /^## Red flags$/m : /^## 警示信号$/m, `${where}: red flags`);
        assert.match(t.bodyMd, t.lang === 'en' ? /^## What to do$/m : /^## 怎么做$/m, `${where}: what to do`);
        assert.ok(t.bodyMd.includes(`](/report?topic=${p.reportTopic})`), `${where}: report link`);
        assert.ok(t.tags.length >= 2, `${where}: tags`);
        assert.ok(t.series, `${where}: series`);
        assert.ok(t.summary.length > 20, `${where}: summary`);
        assert.doesNotMatch(t.bodyMd, /<[a-z]/i, `${where}: no raw HTML`);
      }
    }
  });

  it('ships the law explainer covering the five topics, each article with a note in both languages', () => {
    const law = pack.law!;
    assert.ok(law);
    assert.match(law.title.en, /model text/);
    assert.match(law.title['zh-CN'], /示范文本/);
    assert.match(law.summary.en, /not law in force/);
    assert.ok(law.articles.length >= 10 && law.articles.length <= 15);
    for (const topic of LAW_TOPICS)
      assert.ok(
        law.articles.some((a) => a.topics.includes(topic)),
        `an article on ${topic}`,
      );
    assert.ok(new Set(law.articles.map((a) => a.chapterNo)).size >= 4, 'several chapters');
    for (const a of law.articles)
      for (const lang of LANGS) {
        assert.ok(a.note[lang].length > 40, `${a.slug} note ${lang}`);
        assert.ok(a.title[lang], `${a.slug} heading ${lang}`);
      }
    const tiers = law.articles.find((a) => a.slug === 'article-10')!;
    for (const amount of ['10,000', '30,000', '100,000']) assert.ok(tiers.text.en.includes(amount));
  });

  it('has the four guides and the rewards page', () => {
    assert.deepEqual(pack.guides.map((g) => g.audience).sort(), [
      'citizens',
      'company-staff',
      'researchers',
      'travellers',
    ]);
    const rewards = pack.posts.find((p) => p.kind === 'page' && p.slug === 'rewards');
    assert.ok(rewards, 'a rewards page');
    const en = rewards.translations.find((t) => t.lang === 'en')!.bodyMd;
    const zh = rewards.translations.find((t) => t.lang === 'zh-CN')!.bodyMd;
    for (const s of [
      'up to 10,000',
      '10,000 – 30,000',
      '30,000 – 100,000',
      'more than 100,000',
      'claim code',
    ])
      assert.ok(en.includes(s), s);
    for (const s of ['30 working days', '10 working days', '6 months', '3 years', 'certificate', 'medal'])
      assert.ok(en.includes(s), s);
    for (const s of [
      '1万元以下',
      '1万元至3万元',
      '3万元至10万元',
      '10万元以上',
      '领奖码',
      '30个工作日',
      '6个月',
      '3年',
    ])
      assert.ok(zh.includes(s), s);
  });

  it('ships a small captioned video with a poster and captions in both languages', () => {
    assert.equal(pack.videos.length, 1);
    const v = pack.videos[0]!;
    const webm = v.files.find((f) => f.mime === 'video/webm')!;
    const bytes = fs.readFileSync(webm.path);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], 'EBML (WebM) header');
    assert.ok(bytes.length < 300 * 1024, `${bytes.length} bytes`);
    const mp4 = v.files.find((f) => f.mime === 'video/mp4');
    if (mp4) assert.equal(fs.readFileSync(mp4.path).subarray(4, 8).toString('latin1'), 'ftyp');
    assert.deepEqual([...fs.readFileSync(v.poster!).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'PNG poster');
    for (const lang of LANGS) {
      const vtt = fs.readFileSync(v.captions[lang]!, 'utf8');
      assert.match(vtt, /^WEBVTT\n/);
      assert.equal((vtt.match(/-->/g) ?? []).length, 5, `${lang}: one cue per card`);
    }
    assert.ok(pack.posts.some((p) => p.video === v.key));
  });
});

for (const dialect of await dialects()) {
  describe(`seeding the default content pack (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(() => t.close());

    const counts = async () => {
      const db = t.db.handle.db;
      const n = async (table: 'posts' | 'laws' | 'law_articles' | 'guides' | 'media' | 'post_revisions') =>
        Number((await db.selectFrom(table).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      return {
        posts: await n('posts'),
        revisions: await n('post_revisions'),
        laws: await n('laws'),
        articles: await n('law_articles'),
        guides: await n('guides'),
        media: await n('media'),
      };
    };

    it('seeds an empty database once, and a second seed creates nothing', async () => {
      const ctx = t.app.vigil;
      const first = await seedIfEmpty(ctx);
      assert.ok(first, 'an empty database is seeded');
      assert.doesNotMatch(first, /Not seeded/, first);
      const afterFirst = await counts();
      assert.equal(await seedIfEmpty(ctx), undefined, 'a seeded database is left alone at start-up');
      const second = await seedDatabase(ctx);
      assert.match(second, /nothing to add/);
      // The CLI path (`vigil seed`): builds its own app on the same database.
      const third = await seed(t.config, t.db.handle);
      assert.match(third, /nothing to add/);
      assert.deepEqual(await counts(), afterFirst);
      assert.equal(afterFirst.laws, 1);
      assert.equal(afterFirst.guides, 4);
      const seeded = await ctx.audit.list({ action: 'content-pack.seeded', limit: 10 });
      assert.equal(seeded.length, 1, 'one audit entry, for the seed that created something');
    });

    it('published at least eight posts per language covering the eight kinds, linked as translations', async () => {
      const db = t.db.handle.db;
      const rows = await db
        .selectFrom('posts')
        .select([
          'kind',
          'lang',
          'slug',
          'translation_group',
          'status',
          'pub_report_topic',
          'pub_video_media_id',
          'pinned',
        ])
        .execute();
      const pack = readContentPack();
      for (const lang of LANGS) {
        const posts = rows.filter((r) => r.lang === lang && r.kind === 'post' && r.status === 'published');
        assert.ok(posts.length >= 8, `${lang}: ${posts.length} posts`);
        for (const p of pack.posts.filter((x) => x.kind === 'post'))
          assert.ok(
            posts.some((r) => r.slug === p.slug && r.pub_report_topic === p.reportTopic),
            `${lang}: ${p.case}`,
          );
        assert.ok(
          rows.some(
            (r) => r.kind === 'page' && r.slug === 'rewards' && r.lang === lang && r.status === 'published',
          ),
          `${lang}: the rewards page`,
        );
      }
      const groups = new Map<string, string[]>();
      for (const r of rows)
        groups.set(r.translation_group, [...(groups.get(r.translation_group) ?? []), r.lang]);
      for (const [group, langs] of groups) assert.deepEqual(langs.sort(), ['en', 'zh-CN'], group);
      assert.equal(rows.filter((r) => r.pinned).length, 2, 'the pinned case, in both languages');
    });

    it('stored the video with its poster and two caption tracks, and attached it to its post', async () => {
      const db = t.db.handle.db;
      const id = packMediaId('counter-espionage', 'warning-signs');
      const video = await db.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst();
      assert.ok(video, 'the video is stored under its pack id');
      assert.equal(video.kind, 'video');
      assert.equal(video.mime, 'video/webm');
      assert.ok(video.alt_en && video.alt_zh);
      const children = await db.selectFrom('media').selectAll().where('parent_id', '=', id).execute();
      const captions = children.filter((c) => c.kind === 'captions');
      assert.deepEqual(captions.map((c) => c.lang).sort(), ['en', 'zh-CN']);
      assert.equal(children.filter((c) => c.kind === 'image').length, 1, 'a poster');
      const posts = await db
        .selectFrom('posts')
        .select(['lang', 'pub_video_media_id'])
        .where('slug', '=', 'fake-headhunters')
        .execute();
      assert.equal(posts.length, 2);
      for (const p of posts) assert.equal(p.pub_video_media_id, id);
    });

    it('renders seeded posts with their links to law articles and guides', async () => {
      const c = t.client();
      c.lang = 'en';
      const post = await c.get('/posts/fake-headhunters');
      assert.equal(post.statusCode, 200);
      assert.ok(
        post.body.includes('href="/law/model-reporting-provisions/article-4"'),
        'a post links to an article',
      );
      assert.ok(post.body.includes('href="/guides/everyday-approaches"'));
      assert.ok(post.body.includes('/report?topic=recruitment'));
      const article = await c.get('/law/model-reporting-provisions/article-4');
      assert.equal(article.statusCode, 200);
      const page = await c.get('/pages/rewards');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /How rewards for reports work/);
      const zh = t.client();
      zh.lang = 'zh-CN';
      const after = await zh.get('/posts/after-you-report');
      assert.equal(after.statusCode, 200);
      assert.ok(after.body.includes('href="/pages/rewards"'), 'pack links between posts are resolved');
    });
  });
}
