/**
 * Property-based fuzzing of the post editor and its workflow forms: random, huge, wrong-type and
 * broken-UTF-8 fields, stale or junk versions, repeated fields and foreign content types never give
 * a 5xx, and never leave a half-written post (a post without its revision, a gap in the revision
 * numbers, live columns without a live revision) or a broken audit chain.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { SLUG_PATTERN } from '../../src/modules/content/slugs.ts';
import { createStaff, createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';
import { XSS_CORPUS } from '../helpers/xss.ts';

const hostile = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 120 }), weight: 3 },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\u0000',
      '\uFFFD',
      '\uD800',
      '间谍',
      '%',
      '%FF%FE',
      '-1',
      '0',
      '1e309',
      'NaN',
      '2026-02-30T10:00',
      '2026-11-22T09:30',
      '9999-12-31T23:59',
      'en',
      'zh-CN',
      'post',
      'page',
      '1',
      'on',
      '__proto__',
      ...XSS_CORPUS.slice(0, 12),
    ),
  },
  { arbitrary: fc.integer({ min: 1, max: 250_000 }).map((n) => '字'.repeat(n)), weight: 1 },
);

const FIELDS = [
  'title',
  'summary',
  'bodyMd',
  'slug',
  'lang',
  'kind',
  'translationOf',
  'tags',
  'series',
  'reportTopic',
  'coverMediaId',
  'videoMediaId',
  'pinned',
  'publishAt',
  'version',
  'note',
] as const;

const plausible: Record<string, string> = {
  title: 'Fuzzed post',
  summary: 'A summary',
  bodyMd: 'Some *text*.',
  slug: '',
  lang: 'en',
  kind: 'post',
  translationOf: '',
  tags: 'a, b',
  series: '',
  reportTopic: 'fuzz',
  coverMediaId: '',
  videoMediaId: '',
  publishAt: '',
};

for (const dialect of await dialects()) {
  describe(`post form fuzzing (${dialect})`, () => {
    let t: TestApp;
    let editor: HttpClient;
    let reviewer: HttpClient;
    let postId: string;
    const runs = dialect === 'sqlite' ? 120 : 50;
    const db = () => t.db.handle.db;

    before(async () => {
      t = await createTestApp(dialect);
      editor = await signIn(t, await createStaff(t, 'fuzz.editor', ['editor']));
      reviewer = await signIn(t, await createStaff(t, 'fuzz.reviewer', ['reviewer']));
      await editor.get('/admin/posts/new');
      const res = await editor.postForm('/admin/posts', { ...plausible, slug: 'fuzz-target' });
      postId = /([0-9a-f-]{36})/.exec(String(res.headers.location))![1]!;
    });
    after(() => t.close());

    /** A form that is mostly plausible, with some fields hostile, repeated or missing. */
    const form = (client: () => HttpClient) =>
      fc
        .tuple(
          fc.dictionary(fc.constantFrom(...FIELDS), hostile, { maxKeys: 4 }),
          fc.array(fc.tuple(fc.constantFrom(...FIELDS, 'unknown', '_csrf'), hostile), { maxLength: 2 }),
          fc.boolean(),
          fc.constantFrom('current', 'stale', 'junk', 'missing'),
          fc.constantFrom('form', 'form', 'form', 'json', 'bytes', 'multipart'),
          fc.uint8Array({ maxLength: 2000 }),
          fc.integer({ min: 0, max: 1_000_000_000 }),
        )
        .map(([overrides, extra, brokenTail, versionKind, encoding, bytes, n]) => ({
          build: async () => {
            if (encoding === 'bytes')
              return { body: Buffer.from(bytes), type: 'application/x-www-form-urlencoded' };
            if (encoding === 'multipart')
              return {
                body: '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nb\r\n--x--',
                type: 'multipart/form-data; boundary=x',
              };
            const current = await db()
              .selectFrom('posts')
              .select('version')
              .where('id', '=', postId)
              .executeTakeFirst();
            const version =
              versionKind === 'current'
                ? String(current?.version ?? 1)
                : versionKind === 'stale'
                  ? '1'
                  : versionKind === 'junk'
                    ? 'x'
                    : undefined;
            const fields: Record<string, string> = {
              ...plausible,
              title: `Fuzzed post ${n}`,
              bodyMd: `Text number ${n}.`,
              ...(version ? { version } : {}),
              ...overrides,
            };
            if (encoding === 'json')
              return {
                body: JSON.stringify({ ...fields, _csrf: client().csrf, title: [1, { a: 2 }], pinned: true }),
                type: 'application/json',
              };
            const params = new URLSearchParams();
            params.append('_csrf', client().csrf ?? '');
            for (const [k, v] of Object.entries(fields)) params.append(k, v);
            for (const [k, v] of extra) params.append(k, v);
            let body = params.toString();
            if (brokenTail) body += '&title=%E4%B8&bodyMd=%G1%&=&&==';
            return { body, type: 'application/x-www-form-urlencoded' };
          },
        }));

    async function fuzz(client: HttpClient, urls: string[]) {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...urls),
          form(() => client),
          async (url, { build }) => {
            const { body, type } = await build();
            const res = await t.app.inject({
              method: 'POST',
              url,
              payload: body,
              headers: {
                'content-type': type,
                cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
              },
            });
            assert.ok(res.statusCode < 500, `${url} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
            if (String(res.headers['content-type']).startsWith('text/html'))
              assert.doesNotMatch(res.body, /node_modules|at async |FST_ERR/, 'no internals leak');
          },
        ),
        { numRuns: runs },
      );
    }

    it('the editor: create and save', async () => {
      await editor.get(`/admin/posts/${postId}`);
      await fuzz(editor, ['/admin/posts', `/admin/posts/${postId}`, '/admin/posts/not-a-uuid']);
    });

    it('the workflow: submit, approve, request changes, unpublish, banner', async () => {
      await editor.get(`/admin/posts/${postId}`);
      await fuzz(editor, [
        `/admin/posts/${postId}/submit`,
        `/admin/posts/${postId}/unpublish`,
        '/admin/banner',
      ]);
      await reviewer.get(`/admin/posts/${postId}`);
      await fuzz(reviewer, [`/admin/posts/${postId}/approve`, `/admin/posts/${postId}/request-changes`]);
    });

    it('left only whole posts and an intact audit chain', async () => {
      const posts = await db().selectFrom('posts').selectAll().execute();
      assert.ok(posts.length >= 1);
      for (const p of posts) {
        assert.match(p.slug, SLUG_PATTERN, `slug ${JSON.stringify(p.slug)}`);
        assert.ok(p.slug.length <= 80);
        assert.ok(p.lang === 'en' || p.lang === 'zh-CN');
        const revs = await db()
          .selectFrom('post_revisions')
          .selectAll()
          .where('post_id', '=', p.id)
          .orderBy('n')
          .execute();
        assert.deepEqual(
          revs.map((r) => r.n),
          revs.map((_, i) => i + 1),
          'revision numbers without gaps',
        );
        assert.ok(
          revs.some((r) => r.id === p.current_revision_id),
          'the current revision exists',
        );
        for (const r of revs) {
          assert.ok(r.title.trim().length > 0 && r.title.length <= 200);
          assert.ok(r.body_md.trim().length > 0 && r.body_md.length <= 100_000);
          assert.ok(Array.isArray(JSON.parse(r.tags)));
        }
        if (p.status === 'published') {
          assert.ok(
            revs.some((r) => r.id === p.published_revision_id),
            'the live revision exists',
          );
          assert.ok(p.pub_title && p.pub_html !== null);
        } else {
          const tags = await db().selectFrom('post_tags').select('tag').where('post_id', '=', p.id).execute();
          assert.equal(tags.length, 0, 'no live tags for a post that is not live');
        }
      }
      const verify = await t.app.vigil.audit.verify();
      assert.ok(verify.ok, JSON.stringify(verify));
      assert.equal((await editor.get('/admin/posts')).statusCode, 200, 'still signed in and working');
    });
  });
}
