/**
 * Posts from draft to public page and back: review by someone else, scheduled publication through
 * the job, edit-after-publish, unpublishing, history and diffs, preview, the page cache with 304s,
 * the banner, the seeding and feed API, bad query parameters and the XSS corpus in every field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { contentModule, contentServiceOf } from '../../src/modules/content/module.ts';
import type { ContentService } from '../../src/modules/content/service.ts';
import type { VigilEvents } from '../../src/platform/events.ts';
import { Worker } from '../../src/platform/jobs/worker.ts';
import type { SearchDocument } from '../../src/platform/search/index.ts';
import { createStaff, createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';
import { assertInert, XSS_CORPUS } from '../helpers/xss.ts';

const HOUR = 3_600_000;

export function postFields(over: Record<string, string> = {}): Record<string, string> {
  return {
    title: 'A “consultancy” that wanted too much',
    summary: 'Due diligence for an overseas listing, used as cover.',
    bodyMd:
      '## What happened\n\nThey asked for [classified files](/law/counter-espionage/article-16).\n\n- red flag one\n- red flag two',
    slug: '',
    lang: 'en',
    kind: 'post',
    translationOf: '',
    tags: 'Due diligence, consultancy',
    series: 'Real cases',
    reportTopic: 'consultancy',
    coverMediaId: '',
    videoMediaId: '',
    publishAt: '',
    ...over,
  };
}

const quietLog = { info() {}, warn() {}, error() {} };

for (const dialect of await dialects()) {
  describe(`content: posts and their review (${dialect})`, () => {
    let t: TestApp;
    let service: ContentService;
    let editor: HttpClient;
    let editor2: HttpClient;
    let reviewer: HttpClient;
    let reviewer2: HttpClient;
    let both: HttpClient;
    let handler: HttpClient;
    let reader: HttpClient;
    const indexed: SearchDocument[] = [];
    const removed: string[] = [];
    const published: VigilEvents['post.published'][] = [];
    const unpublished: VigilEvents['post.unpublished'][] = [];
    let changes = 0;

    const db = () => t.db.handle.db;
    const post = (id: string) =>
      db().selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const version = async (id: string) => String((await post(id)).version);

    /** Creates a draft through the form and returns its id. */
    const createDraft = async (c: HttpClient, over: Record<string, string> = {}) => {
      await c.get('/admin/posts/new');
      const res = await c.postForm('/admin/posts', postFields(over));
      assert.equal(res.statusCode, 303, res.body.slice(0, 800));
      const m = /^\/admin\/posts\/([0-9a-f-]{36})\?m=created$/.exec(String(res.headers.location));
      assert.ok(m, String(res.headers.location));
      return m[1]!;
    };

    /** Posts a workflow step with the post's current version, as the page would. */
    const step = async (c: HttpClient, id: string, action: string, fields: Record<string, string> = {}) => {
      await c.get(`/admin/posts/${id}`);
      return c.postForm(`/admin/posts/${id}/${action}`, { version: await version(id), ...fields });
    };

    const save = async (c: HttpClient, id: string, over: Record<string, string>) => {
      const p = await post(id);
      const rev = await db()
        .selectFrom('post_revisions')
        .selectAll()
        .where('id', '=', p.current_revision_id)
        .executeTakeFirstOrThrow();
      await c.get(`/admin/posts/${id}`);
      return c.postForm(`/admin/posts/${id}`, {
        ...postFields({
          title: rev.title,
          summary: rev.summary,
          bodyMd: rev.body_md,
          slug: p.slug,
          lang: p.lang,
          kind: p.kind,
          tags: (JSON.parse(rev.tags) as string[]).join(', '),
          series: rev.series ?? '',
          reportTopic: rev.report_topic ?? '',
          pinned: p.pinned ? '1' : '',
          publishAt: p.publish_at === null ? '' : new Date(p.publish_at).toISOString().slice(0, 16),
        }),
        version: String(p.version),
        ...over,
      });
    };

    /** Draft, submit, approve: returns the id of a live post. */
    const publishNew = async (over: Record<string, string> = {}) => {
      const id = await createDraft(editor, over);
      assert.equal((await step(editor, id, 'submit')).statusCode, 303);
      const res = await step(reviewer, id, 'approve');
      assert.equal(res.statusCode, 303, res.body.slice(0, 500));
      return id;
    };

    before(async () => {
      // The scheduled-publication test moves the clock on by hours: sessions must outlast that.
      t = await createTestApp(dialect, {
        VIGIL_SESSION_IDLE_MINUTES: '1440',
        VIGIL_SESSION_ABSOLUTE_HOURS: '168',
      });
      service = contentServiceOf(t.app.vigil);
      const staff = async (name: string, roles: Parameters<typeof createStaff>[2]) => {
        const c = await signIn(t, await createStaff(t, name, roles));
        c.lang = 'en';
        return c;
      };
      editor = await staff('ed.one', ['editor']);
      editor2 = await staff('ed.two', ['editor']);
      reviewer = await staff('rev.one', ['reviewer']);
      reviewer2 = await staff('rev.two', ['reviewer']);
      both = await staff('ed.rev', ['editor', 'reviewer']);
      handler = await staff('case.handler', ['handler']);
      reader = t.client();
      reader.lang = 'en';
      const search = t.app.vigil.search;
      const index = search.index.bind(search);
      const remove = search.remove.bind(search);
      search.index = async (doc) => {
        indexed.push(doc);
        await index(doc);
      };
      search.remove = async (key) => {
        removed.push(key);
        await remove(key);
      };
      t.app.vigil.events.on('post.published', (p) => void published.push(p));
      t.app.vigil.events.on('post.unpublished', (p) => void unpublished.push(p));
      t.app.vigil.events.on('content.changed', () => void changes++);
    });
    after(() => t.close());

    it('takes a post from draft through review to a public page', async () => {
      const form = await editor.get('/admin/posts/new');
      assert.equal(form.statusCode, 200);
      const bad = await editor.postForm(
        '/admin/posts',
        postFields({ title: '', bodyMd: 'Keep this text <b>' }),
      );
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /This field is required/);
      assert.match(bad.body, /Keep this text &lt;b&gt;<\/textarea>/, 'typed input is kept, escaped');

      const id = await createDraft(editor, { slug: 'consultancy-case' });
      const draft = await post(id);
      assert.equal(draft.status, 'draft');
      assert.equal(draft.slug, 'consultancy-case');
      assert.equal((await reader.get('/posts/consultancy-case')).statusCode, 404, 'not public before review');

      assert.equal((await step(editor, id, 'submit')).statusCode, 303);
      assert.equal((await post(id)).review_state, 'in_review');
      const page = await reviewer.get(`/admin/posts/${id}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Approve and publish/);
      assert.match(page.body, /only editors change its text/, 'reviewers get no editor form');

      const approved = await step(reviewer, id, 'approve', { note: 'Clear and accurate.' });
      assert.equal(approved.statusCode, 303);
      assert.equal(approved.headers.location, `/admin/posts/${id}?m=approved`);
      const live = await post(id);
      assert.equal(live.status, 'published');
      assert.equal(live.review_state, 'none');
      assert.match(live.pub_html ?? '', /<h2 id="h-what-happened">What happened<\/h2>/);
      const tags = await db().selectFrom('post_tags').select('tag').where('post_id', '=', id).execute();
      assert.deepEqual(tags.map((r) => r.tag).sort(), ['consultancy', 'due-diligence']);

      const res = await reader.get('/posts/consultancy-case');
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /<h1>A “consultancy” that wanted too much<\/h1>/);
      assert.match(res.body, /<link rel="canonical" href="http:\/\/localhost:\d+\/posts\/consultancy-case">/);
      assert.match(res.body, /<meta property="og:title" content="A “consultancy” that wanted too much">/);
      assert.match(res.body, /<meta property="og:type" content="article">/);
      assert.match(res.body, /href="\/report\?topic=consultancy"/);
      assert.match(res.body, /href="\/tags\/due-diligence"/);
      assert.match(res.body, /<a href="\/law\/counter-espionage\/article-16">classified files<\/a>/);
      assertInert(res.body, 'post page');

      const list = await reader.get('/posts');
      assert.equal(list.statusCode, 200);
      assert.match(list.body, /href="\/posts\/consultancy-case"/);
      assert.match((await reader.get('/tags/consultancy')).body, /consultancy-case/);
      assert.match((await reader.get('/series/real-cases')).body, /consultancy-case/);

      assert.ok(
        indexed.some(
          (d) => d.key === `post:${id}` && d.url === '/posts/consultancy-case' && /red flag one/.test(d.text),
        ),
      );
      assert.ok(published.some((p) => p.id === id && p.firstTime && p.lang === 'en' && p.kind === 'post'));
      const actions = (await t.app.vigil.audit.list({ limit: 200 }))
        .filter((e) => e.target_id === id)
        .map((e) => e.action)
        .reverse();
      assert.deepEqual(actions, ['post.created', 'post.submitted', 'post.approved', 'post.published']);
    });

    it('refuses self-approval: nobody approves what they wrote or submitted', async () => {
      const own = await createDraft(both, { slug: 'own-work' });
      assert.equal((await step(both, own, 'submit')).statusCode, 303);
      const refused = await step(both, own, 'approve');
      assert.equal(refused.statusCode, 403);
      assert.match(refused.body, /another reviewer must approve it/);
      assert.equal((await post(own)).status, 'draft');
      const audit = await t.app.vigil.audit.list({ action: 'post.approval-refused', limit: 10 });
      assert.ok(audit.some((e) => e.target_id === own));
      assert.equal((await step(reviewer, own, 'approve')).statusCode, 303, 'someone else may');

      // Someone who only edited a revision along the way is an author too, even if another submitted.
      const shared = await createDraft(editor, { slug: 'shared-work' });
      assert.equal(
        (await save(both, shared, { bodyMd: 'A sentence from the second author.' })).statusCode,
        303,
      );
      assert.equal((await step(editor, shared, 'submit')).statusCode, 303);
      assert.equal((await step(both, shared, 'approve')).statusCode, 403);
      assert.equal((await step(reviewer2, shared, 'approve')).statusCode, 303);
    });

    it('keeps the live version online while an edit goes back through review', async () => {
      const id = await publishNew({ slug: 'edited-after', title: 'First title' });
      const url = '/posts/edited-after';
      assert.match((await reader.get(url)).body, /First title/);

      const saved = await save(editor, id, { title: 'Second title', bodyMd: 'New body text.' });
      assert.equal(saved.statusCode, 303);
      assert.match(String(saved.headers.location), /m=saved$/);
      const p = await post(id);
      assert.notEqual(p.current_revision_id, p.published_revision_id);
      assert.equal(p.status, 'published');
      const still = await reader.get(url);
      assert.match(still.body, /First title/, 'the live version stays');
      assert.doesNotMatch(still.body, /Second title/);
      const admin = await editor.get(`/admin/posts/${id}`);
      assert.match(admin.body, /Live version: revision 1/);
      assert.match(admin.body, /Current draft: revision 2/);
      assert.match((await editor.get('/admin/posts?status=published')).body, /Unpublished changes/);

      assert.equal((await step(editor, id, 'submit')).statusCode, 303);
      assert.equal((await step(reviewer, id, 'approve')).statusCode, 303);
      const now = await reader.get(url);
      assert.match(now.body, /Second title/);
      assert.ok(
        published.some((e) => e.id === id && !e.firstTime),
        'announced as a new revision',
      );

      const nothing = await step(editor, id, 'submit');
      assert.equal(nothing.statusCode, 409, 'nothing new to review');
      assert.match(nothing.body, /nothing to review/);
      const locked = await editor.get(`/admin/posts/${id}`);
      assert.match(locked.body, /The address, language and kind are fixed/);
    });

    it('asks for changes with a note, then takes the post again', async () => {
      const id = await createDraft(editor, { slug: 'needs-work' });
      await step(editor, id, 'submit');
      const noNote = await step(reviewer, id, 'request-changes', { note: '  ' });
      assert.equal(noNote.statusCode, 400);
      assert.match(noNote.body, /This field is required/);
      const asked = await step(reviewer, id, 'request-changes', {
        note: 'Name the warning signs <clearly>.',
      });
      assert.equal(asked.statusCode, 303);
      assert.equal((await post(id)).review_state, 'changes_requested');
      const page = await editor.get(`/admin/posts/${id}`);
      assert.match(page.body, /Name the warning signs &lt;clearly&gt;\./);
      assert.equal((await step(reviewer, id, 'approve')).statusCode, 409, 'not under review any more');
      assert.equal((await step(editor, id, 'submit')).statusCode, 303);
      assert.equal((await post(id)).review_state, 'in_review');
    });

    it('publishes an approved post at its time, through the scheduled job', async () => {
      const at = new Date(t.clock.now() + 2 * HOUR).toISOString().slice(0, 16);
      const id = await createDraft(editor, { slug: 'scheduled-post', publishAt: at });
      await step(editor, id, 'submit');
      const ok = await step(reviewer, id, 'approve');
      assert.equal(ok.headers.location, `/admin/posts/${id}?m=scheduled`);
      assert.equal((await post(id)).review_state, 'approved');
      assert.equal((await reader.get('/posts/scheduled-post')).statusCode, 404);

      const worker = new Worker(t.app.vigil.jobs, t.app.vigil.scheduler, quietLog);
      contentModule.jobs!(worker, t.app.vigil);
      await t.app.vigil.scheduler.define(contentModule.schedules!);
      t.clock.advance(HOUR);
      await worker.runOnce();
      assert.equal((await post(id)).status, 'draft', 'not before its time');
      t.clock.advance(HOUR + 60_000);
      await worker.runOnce();
      const live = await post(id);
      assert.equal(live.status, 'published');
      assert.equal(live.published_at, t.clock.now());
      assert.equal((await reader.get('/posts/scheduled-post')).statusCode, 200);
      const entry = (await t.app.vigil.audit.list({ action: 'post.published', limit: 50 })).find(
        (e) => e.target_id === id,
      );
      assert.equal(entry?.actor_label, 'scheduler');

      // Editing an approved, scheduled post cancels the approval: it must be reviewed again.
      const later = new Date(t.clock.now() + 5 * HOUR).toISOString().slice(0, 16);
      const next = await createDraft(editor, { slug: 'rescheduled', publishAt: later });
      await step(editor, next, 'submit');
      await step(reviewer, next, 'approve');
      assert.equal((await post(next)).review_state, 'approved');
      const edited = await save(editor, next, { bodyMd: 'Changed after approval.', publishAt: later });
      assert.match(String(edited.headers.location), /m=reset$/);
      assert.equal((await post(next)).review_state, 'none');
      t.clock.advance(6 * HOUR);
      await worker.runOnce();
      assert.equal((await post(next)).status, 'draft', 'nothing unapproved goes live');
    });

    it('unpublishes: gone from pages, lists, tags and search', async () => {
      const id = await publishNew({ slug: 'to-withdraw', tags: 'withdrawn-tag' });
      assert.equal((await reader.get('/tags/withdrawn-tag')).statusCode, 200);
      const res = await step(editor, id, 'unpublish');
      assert.equal(res.statusCode, 303);
      assert.equal((await post(id)).status, 'unpublished');
      assert.equal((await reader.get('/posts/to-withdraw')).statusCode, 404);
      assert.equal((await reader.get('/tags/withdrawn-tag')).statusCode, 404);
      assert.doesNotMatch((await reader.get('/posts')).body, /to-withdraw/);
      assert.ok(removed.includes(`post:${id}`));
      assert.ok(unpublished.some((e) => e.id === id));
      assert.equal((await step(editor, id, 'unpublish')).statusCode, 409, 'already unpublished');
      // It can come back through review.
      await step(editor, id, 'submit');
      await step(reviewer, id, 'approve');
      assert.equal((await reader.get('/posts/to-withdraw')).statusCode, 200);
    });

    it('refuses a save made from an outdated page and keeps what was typed', async () => {
      const id = await createDraft(editor, { slug: 'two-editors' });
      const v = await version(id);
      await editor.get(`/admin/posts/${id}`);
      await editor2.get(`/admin/posts/${id}`);
      const first = await editor.postForm(`/admin/posts/${id}`, {
        ...postFields({ slug: 'two-editors', bodyMd: 'First edit.' }),
        version: v,
      });
      assert.equal(first.statusCode, 303);
      const second = await editor2.postForm(`/admin/posts/${id}`, {
        ...postFields({ slug: 'two-editors', bodyMd: 'Second edit, typed carefully.' }),
        version: v,
      });
      assert.equal(second.statusCode, 409);
      assert.match(second.body, /Someone else changed this post/);
      assert.match(second.body, /Second edit, typed carefully\.<\/textarea>/);
      const revisions = await db()
        .selectFrom('post_revisions')
        .select('n')
        .where('post_id', '=', id)
        .execute();
      assert.equal(revisions.length, 2, 'the stale save wrote nothing');
      const unchanged = await save(editor, id, {});
      assert.match(String(unchanged.headers.location), /m=unchanged$/);
    });

    it('keeps a revision history with a readable diff between any two revisions', async () => {
      const id = await createDraft(editor, {
        slug: 'diffed',
        title: 'Title one',
        bodyMd: 'Line one\nLine two',
      });
      await save(editor, id, { title: 'Title two', bodyMd: 'Line one\nLine 2 <script>alert(1)</script>' });
      await save(editor, id, {
        title: 'Title three',
        bodyMd: 'Line one\nLine 2 <script>alert(1)</script>\nLine three',
      });
      const history = await editor.get(`/admin/posts/${id}/revisions`);
      assert.equal(history.statusCode, 200);
      assert.match(history.body, /Title one/);
      assert.match(history.body, /Title three/);
      assertInert(history.body, 'history');
      const diff = await editor.get(`/admin/posts/${id}/diff?from=1&to=3`);
      assert.equal(diff.statusCode, 200);
      assert.match(diff.body, /Title <del>one<\/del><ins>three<\/ins>/);
      assert.match(diff.body, /&lt;script&gt;/);
      assertInert(diff.body, 'diff');
      const same = await reviewer.get(`/admin/posts/${id}/diff?from=2&to=2`);
      assert.match(same.body, /These two revisions are the same/);
      assert.equal((await editor.get(`/admin/posts/${id}/diff?from=1&to=99`)).statusCode, 404);
      assert.equal((await editor.get(`/admin/posts/${id}/diff?from=abc&to=1`)).statusCode, 400);
      assert.equal((await editor.get(`/admin/posts/${id}/diff?from=1`)).statusCode, 400);
    });

    it('previews the current draft, or any revision, as it will look', async () => {
      const id = await createDraft(editor, {
        slug: 'previewed',
        title: 'Preview me',
        bodyMd: '## Heading\n\nBody **bold**',
      });
      await save(editor, id, { bodyMd: '## Heading two\n\nBody' });
      const current = await reviewer.get(`/admin/posts/${id}/preview`);
      assert.equal(current.statusCode, 200, current.body.slice(0, 2000));
      assert.match(current.body, /Preview of revision 2/);
      assert.match(current.body, /<h2 id="h-heading-two">Heading two<\/h2>/);
      assert.match(current.body, /href="\/report\?topic=consultancy"/);
      const first = await editor.get(`/admin/posts/${id}/preview?rev=1`);
      assert.match(first.body, /<strong>bold<\/strong>/);
      assert.equal((await editor.get(`/admin/posts/${id}/preview?rev=9`)).statusCode, 404);
      assert.equal((await editor.get(`/admin/posts/${id}/preview?rev=x`)).statusCode, 400);
      assert.equal((await reader.get('/posts/previewed')).statusCode, 404, 'a preview publishes nothing');
      assert.equal((await handler.get(`/admin/posts/${id}/preview`)).statusCode, 403);
    });

    it('lets each role do only its part', async () => {
      const id = await createDraft(editor, { slug: 'roles' });
      await reviewer.get('/admin/posts');
      assert.equal((await reviewer.postForm('/admin/posts', postFields())).statusCode, 403);
      assert.equal((await reviewer.postForm(`/admin/posts/${id}`, postFields())).statusCode, 403);
      await step(editor, id, 'submit');
      assert.equal((await step(editor, id, 'approve')).statusCode, 403, 'editors do not approve');
      assert.equal((await step(editor, id, 'request-changes', { note: 'x' })).statusCode, 403);
      assert.equal((await handler.get('/admin/posts')).statusCode, 403);
      assert.equal((await handler.get('/admin/banner')).statusCode, 403);
      const anon = await t.client().get('/admin/posts');
      assert.equal(anon.statusCode, 303);
      const list = await reviewer.get('/admin/posts');
      assert.doesNotMatch(list.body, /Write a new post/);
      assert.match((await editor.get('/admin/posts')).body, /Write a new post/);
      const missing = await editor.get('/admin/posts/00000000-0000-4000-8000-000000000000');
      assert.equal(missing.statusCode, 404);
      const ghost = await editor.postForm('/admin/posts/00000000-0000-4000-8000-000000000000/submit', {
        version: '1',
      });
      assert.equal(ghost.statusCode, 404);
    });

    it('answers malformed query parameters and addresses with 4xx, never 5xx', async () => {
      const cases: [HttpClient, string, number][] = [
        [reader, '/posts?page=abc', 400],
        [reader, '/posts?page=0', 400],
        [reader, '/posts?page=1.5', 400],
        [reader, '/posts?page=99999999999999999999', 400],
        [reader, '/posts?page=1&page=2', 400],
        [reader, '/posts?page=500', 404],
        [reader, '/tags/consultancy?page=-3', 400],
        [reader, '/series/real-cases?page=%FF', 400],
        [reader, `/tags/${'x'.repeat(150)}`, 400],
        [reader, '/posts/%E9%97', 404],
        [reader, '/posts/no-such-post', 404],
        [reader, '/tags/no-such-tag', 404],
        [editor, '/admin/posts?status=bogus', 400],
        [editor, '/admin/posts?lang=fr', 400],
        [editor, '/admin/posts?page=-1', 400],
        [editor, '/admin/posts?page=x&status=draft', 400],
        [editor, '/admin/posts/not-a-uuid', 400],
        [editor, '/admin/posts/not-a-uuid/revisions', 400],
      ];
      for (const [c, url, status] of cases) {
        const res = await c.get(url);
        assert.ok(res.statusCode < 500, `${url} gave ${res.statusCode}`);
        if (url !== '/posts/%E9%97') assert.equal(res.statusCode, status, url);
      }
      assert.equal((await editor.get('/admin/posts?status=draft&lang=en&page=1')).statusCode, 200);
      const big = await editor.postRaw('/admin/posts', 'x'.repeat(3 * 1024 * 1024));
      assert.equal(big.statusCode, 413);
    });

    it('serves the post page from the cache with 304s, and renders it again when it changes', async () => {
      const id = await publishNew({ slug: 'cached-post', title: 'Cached once' });
      let renders = 0;
      const livePost = service.livePost.bind(service);
      service.livePost = async (...args) => {
        renders++;
        return livePost(...args);
      };
      try {
        const first = await reader.get('/posts/cached-post');
        assert.equal(first.statusCode, 200);
        const etag = String(first.headers.etag);
        const lastModified = String(first.headers['last-modified']);
        assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
        assert.match(String(first.headers['cache-control']), /must-revalidate/);
        assert.equal((await reader.get('/posts/cached-post', { 'if-none-match': etag })).statusCode, 304);
        assert.equal(
          (await reader.get('/posts/cached-post', { 'if-modified-since': lastModified })).statusCode,
          304,
        );
        assert.equal((await reader.get('/posts/cached-post')).statusCode, 200);
        assert.equal(renders, 1, 'rendered once, then served from the cache');

        const before = changes;
        await save(editor, id, { title: 'Cached twice' });
        assert.equal(
          (await reader.get('/posts/cached-post', { 'if-none-match': etag })).statusCode,
          304,
          'a draft changes nothing public',
        );
        await step(editor, id, 'submit');
        await step(reviewer, id, 'approve');
        assert.ok(changes > before, 'content.changed was emitted');
        const fresh = await reader.get('/posts/cached-post', { 'if-none-match': etag });
        assert.equal(fresh.statusCode, 200, 'the publication cleared the cache');
        assert.match(fresh.body, /Cached twice/);
        assert.notEqual(fresh.headers.etag, etag);
        assert.ok(Date.parse(String(fresh.headers['last-modified'])) > Date.parse(lastModified));
        assert.equal(renders, 2);
      } finally {
        service.livePost = livePost;
      }
    });

    it('shows the banner, the pinned post and the latest posts on the home page', async () => {
      const pinned = await publishNew({ slug: 'pinned-post', title: 'Read this first', pinned: '1' });
      await publishNew({ slug: 'latest-post', title: 'The newest case' });
      const home = await reader.get('/');
      assert.equal(home.statusCode, 200);
      assert.match(home.body, /<h2 id="home-pinned">Pinned<\/h2>[\s\S]*Read this first/);
      assert.match(home.body, /The newest case/);
      for (const href of ['/report', '/guides', '/law', '/posts'])
        assert.match(home.body, new RegExp(`href="${href}"`));
      assert.match(home.body, /<nav class="site-nav"[^>]*>[\s\S]*href="\/posts"/, 'the site menu has Posts');

      await editor.get('/admin/banner');
      const badLink = await editor.postForm('/admin/banner', {
        en: 'Day',
        zh: '日',
        link: 'javascript:alert(1)',
        active: '1',
      });
      assert.equal(badLink.statusCode, 400);
      assert.match(badLink.body, /value="javascript:alert\(1\)"/, 'typed input kept');
      const missing = await editor.postForm('/admin/banner', { en: '', zh: '日', link: '', active: '1' });
      assert.equal(missing.statusCode, 400);
      const ok = await editor.postForm('/admin/banner', {
        en: '15 April: National Security Education Day',
        zh: '4月15日：全民国家安全教育日',
        link: '/posts/pinned-post',
        active: '1',
      });
      assert.equal(ok.statusCode, 303);
      const withBanner = await reader.get('/');
      assert.match(
        withBanner.body,
        /<aside class="banner"[^>]*><p>15 April: National Security Education Day <a href="\/posts\/pinned-post">/,
      );
      const zh = t.client();
      zh.lang = 'zh-CN';
      assert.match((await zh.get('/')).body, /4月15日：全民国家安全教育日/);
      assert.ok((await t.app.vigil.audit.list({ action: 'banner.changed', limit: 5 })).length >= 1);
      await editor.postForm('/admin/banner', { en: 'x', zh: 'y', link: '', active: '' });
      assert.doesNotMatch((await reader.get('/')).body, /class="banner"/, 'switched off');

      const unpin = await save(editor, pinned, { pinned: '' });
      assert.match(String(unpin.headers.location), /m=placement$/, 'pinning changes no revision');
      assert.doesNotMatch((await reader.get('/')).body, /home-pinned/);
    });

    it('links translations with hreflang and serves each language its own', async () => {
      const en = await publishNew({ slug: 'recruitment-trap', title: 'Fake headhunters', lang: 'en' });
      const zh = await publishNew({
        slug: 'recruitment-trap',
        title: '虚假猎头',
        lang: 'zh-CN',
        translationOf: en,
      });
      assert.equal((await post(zh)).translation_group, (await post(en)).translation_group);
      const enPage = await reader.get('/posts/recruitment-trap');
      assert.match(enPage.body, /Fake headhunters/);
      assert.match(
        enPage.body,
        /<link rel="alternate" hreflang="zh-CN" href="http:\/\/localhost:\d+\/posts\/recruitment-trap">/,
      );
      const zhReader = t.client();
      zhReader.lang = 'zh-CN';
      const zhPage = await zhReader.get('/posts/recruitment-trap');
      assert.match(zhPage.body, /虚假猎头/);
      assert.match(zhPage.body, /<article class="post" lang="zh-CN">/);
      assert.match(zhPage.body, /hreflang="en"/);
      const taken = await editor.postForm(
        '/admin/posts',
        postFields({ slug: 'recruitment-trap', lang: 'en' }),
      );
      assert.equal(taken.statusCode, 400);
      assert.match(taken.body, /already has this address/);
    });

    it('renders the XSS corpus inert in every editable field, on every page', async () => {
      const corpus = XSS_CORPUS.join('\n\n');
      const title = '<script>alert(1)</script>"><img src=x onerror=alert(1)>';
      const id = await createDraft(editor, {
        slug: 'xss-corpus',
        title,
        summary: XSS_CORPUS.slice(0, 8).join(' ').slice(0, 500),
        bodyMd: corpus,
        tags: '<script>alert(1)</script>, "><svg onload=alert(1)>',
        series: '"><img src=x onerror=alert(1)>',
      });
      await save(editor, id, {
        title: `${title} v2`,
        bodyMd: `${corpus}\n\n${XSS_CORPUS.slice().reverse().join('\n\n')}`,
      });
      await step(editor, id, 'submit');
      await step(reviewer, id, 'request-changes', {
        note: '</textarea><script>alert(1)</script><img src=x onerror=alert(1)>',
      });
      const withNote = await editor.get(`/admin/posts/${id}`);
      assertInert(withNote.body, 'edit page with the review note');
      await step(editor, id, 'submit');
      assert.equal(
        (await step(reviewer, id, 'approve', { note: '"><svg onload=alert(1)>' })).statusCode,
        303,
      );
      const p = await post(id);
      const tags = await db().selectFrom('post_tags').select('tag').where('post_id', '=', id).execute();

      const pages: [HttpClient, string][] = [
        [reader, '/posts/xss-corpus'],
        [reader, '/posts'],
        [reader, `/tags/${encodeURIComponent(tags[0]!.tag)}`],
        [reader, `/series/${encodeURIComponent(p.pub_series!)}`],
        [reader, '/'],
        [editor, '/admin/posts'],
        [editor, `/admin/posts/${id}`],
        [reviewer, `/admin/posts/${id}`],
        [editor, `/admin/posts/${id}/preview`],
        [editor, `/admin/posts/${id}/revisions`],
        [editor, `/admin/posts/${id}/diff?from=1&to=2`],
      ];
      for (const [c, url] of pages) {
        const res = await c.get(url);
        assert.equal(res.statusCode, 200, url);
        assertInert(res.body, url);
        assert.doesNotMatch(res.body, /<script|<svg|<iframe|onerror=alert\(1\)>/i, url);
      }

      // Refused values are echoed back escaped.
      for (const [field, value] of [
        ['reportTopic', '"><script>alert(1)</script>'],
        ['publishAt', '"><img src=x onerror=alert(1)>'],
        ['coverMediaId', '"><img src=x onerror=alert(1)>'],
        ['translationOf', '"><svg onload=alert(1)>'],
        ['slug', '!!!'],
      ] as const) {
        await editor.get('/admin/posts/new');
        const res = await editor.postForm(
          '/admin/posts',
          postFields({ [field]: value, slug: field === 'slug' ? value : 'refused' }),
        );
        assert.equal(res.statusCode, 400, field);
        assertInert(res.body, `refused ${field}`);
      }
      await editor.get('/admin/banner');
      const banner = await editor.postForm('/admin/banner', {
        en: '<script>alert(1)</script>',
        zh: '"><img src=x onerror=alert(1)>',
        link: '/posts/xss-corpus?x="><script>',
        active: '1',
      });
      assert.equal(banner.statusCode, 400, 'a link with spaces or quotes is refused');
      assertInert(banner.body, 'banner form');
      await editor.postForm('/admin/banner', {
        en: '<script>alert(1)</script>',
        zh: '"><img src=x onerror=alert(1)>',
        link: 'https://example.org/?a=1&b=2',
        active: '1',
      });
      for (const lang of ['en', 'zh-CN']) {
        const c = t.client();
        c.lang = lang;
        const home = await c.get('/');
        assertInert(home.body, `home (${lang}) with a hostile banner`);
      }
    });

    it('logged no server error and never answered twice', () => {
      assert.doesNotMatch(t.logs(), /"level":50|already sent/);
    });

    it('seeds published posts idempotently and reads them back for feeds', async () => {
      const actor = { id: null, label: 'content-pack' };
      const input = {
        kind: 'post' as const,
        lang: 'zh-CN' as const,
        slug: 'seeded-case',
        translationGroup: 'case-seeded',
        title: '种子文章',
        summary: '摘要',
        bodyMd: '## 红旗\n\n- 第一\n- 第二',
        tags: ['间谍', 'Due diligence'],
        series: 'Real cases',
        reportTopic: 'consultancy',
        publishedAt: Date.UTC(2026, 3, 15),
      };
      const first = await service.createPublished(input, actor);
      assert.equal(first.created, true);
      const again = await service.createPublished({ ...input, title: 'changed' }, actor);
      assert.deepEqual(again, { id: first.id, created: false });
      const row = await post(first.id);
      assert.equal(row.status, 'published');
      assert.equal(row.first_published_at, Date.UTC(2026, 3, 15));
      assert.equal(row.translation_group, 'case-seeded');
      assert.equal(row.pub_title, '种子文章');

      const items = await service.latestPublished({ lang: 'zh-CN', tag: '间谍', limit: 10 });
      assert.equal(items.length, 1);
      const item = items[0]!;
      assert.equal(item.id, first.id);
      assert.equal(item.url, `${t.config.publicUrl}/posts/seeded-case`);
      assert.deepEqual(item.tags.sort(), ['due-diligence', '间谍']);
      assert.match(item.html, /<h2 id="h-红旗">红旗<\/h2>/);
      assert.equal(item.publishedAt, Date.UTC(2026, 3, 15));
      assert.ok((await service.latestPublished({ limit: 100 })).length > 5);
      assert.ok(
        (await service.latestPublished({ limit: 100, kind: 'page' })).every((p) => p.kind === 'page'),
      );
      await assert.rejects(service.createPublished({ ...input, slug: 'Bad Slug!' }, actor), /slug/);

      const zh = t.client();
      zh.lang = 'zh-CN';
      const page = await zh.get('/posts/seeded-case');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /href="\/tags\/%E9%97%B4%E8%B0%8D"/);
      assert.equal((await zh.get('/tags/%E9%97%B4%E8%B0%8D')).statusCode, 200);
    });
  });
}
