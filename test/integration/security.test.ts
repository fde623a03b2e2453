import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createStaff, createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';

const PAGES = ['/', '/admin/sign-in', '/no-such-page', '/admin/setup/not-a-real-token'];

for (const dialect of await dialects()) {
  describe(`security baseline (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(() => t.close());

    it('sends a strict CSP and the usual security headers on every page', async () => {
      for (const url of PAGES) {
        const res = await t.app.inject({ url });
        const csp = String(res.headers['content-security-policy']);
        assert.match(csp, /default-src 'none'/, url);
        assert.match(csp, /script-src 'self'(;|$)/, url);
        assert.match(csp, /style-src 'self'(;|$)/, url);
        assert.match(csp, /frame-ancestors 'none'/, url);
        assert.match(csp, /form-action 'self'/, url);
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, url);
        assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
        assert.equal(res.headers['referrer-policy'], 'no-referrer', url);
        assert.equal(res.headers['x-frame-options'], 'DENY', url);
        assert.ok(res.headers['permissions-policy'], url);
      }
    });

    it('pages carry no inline script, no inline style and nothing from another origin', async () => {
      const admin = await signIn(t, await createStaff(t, 'csp-admin', ['admin']));
      const bodies = [
        ...(await Promise.all(PAGES.map((u) => t.app.inject({ url: u })))).map((r) => r.body),
        ...(
          await Promise.all(
            [
              '/admin',
              '/admin/staff',
              '/admin/staff/new',
              '/admin/audit',
              '/admin/settings',
              '/admin/account',
            ].map((u) => admin.get(u)),
          )
        ).map((r) => r.body),
      ];
      for (const body of bodies) {
        assert.doesNotMatch(body, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline <script>');
        assert.doesNotMatch(body, /\sstyle=/i, 'no style attributes');
        assert.doesNotMatch(body, /<style/i, 'no <style> blocks');
        assert.doesNotMatch(body, /\son[a-z]+=/i, 'no inline event handlers');
        assert.doesNotMatch(body, /(src|href)="(https?:)?\/\/(?!localhost)/i, 'no third-party resources');
      }
    });

    it('refuses a form without a valid CSRF token, with a message in the page language', async () => {
      const s = await createStaff(t, 'csrf-editor', ['editor']);
      const c = t.client();
      c.lang = 'en';
      await c.get('/admin/sign-in');
      const none = await c.postForm(
        '/admin/sign-in',
        { username: s.username, password: s.password },
        { csrf: false },
      );
      assert.equal(none.statusCode, 403);
      assert.match(none.body, /form expired/);
      const forged = await c.postForm(
        '/admin/sign-in',
        { username: s.username, password: s.password },
        { csrf: 'A'.repeat(43) },
      );
      assert.equal(forged.statusCode, 403);
      c.lang = 'zh-CN';
      const zh = await c.postForm(
        '/admin/sign-in',
        { username: s.username, password: s.password },
        { csrf: false },
      );
      assert.match(zh.body, /表单已过期/);
      // A token from another browser (another cookie) does not work either.
      const other = t.client();
      await other.get('/admin/sign-in');
      const stolen = await c.postForm(
        '/admin/sign-in',
        { username: s.username, password: s.password },
        { csrf: other.csrf },
      );
      assert.equal(stolen.statusCode, 403);
      const signedIn = await signIn(t, s);
      await signedIn.get('/admin/account');
      const noToken = await signedIn.postForm('/admin/account/sign-out-everywhere', {}, { csrf: false });
      assert.equal(noToken.statusCode, 403);
      assert.equal((await signedIn.get('/admin')).statusCode, 200, 'nothing happened');
    });

    it('error pages are in the visitor language and never show a stack or internals', async () => {
      const en = await t.app.inject({ url: '/nope', headers: { 'accept-language': 'en-GB,en;q=0.9' } });
      assert.equal(en.statusCode, 404);
      assert.match(en.body, /Page not found/);
      assert.match(en.body, /<html lang="en">/);
      const zh = await t.app.inject({
        url: '/nope',
        headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' },
      });
      assert.match(zh.body, /页面不存在/);
      assert.match(zh.body, /<html lang="zh-CN">/);
      const bad = await t.app.inject({ url: '/lang/xx' });
      assert.equal(bad.statusCode, 400);
      const badJson = await t.app.inject({
        method: 'POST',
        url: '/admin/sign-in',
        payload: '{"a":',
        headers: { 'content-type': 'application/json' },
      });
      assert.ok(badJson.statusCode >= 400 && badJson.statusCode < 500, `got ${badJson.statusCode}`);
      const weird = await t.app.inject({
        method: 'POST',
        url: '/admin/sign-in',
        payload: 'x',
        headers: { 'content-type': 'text/x-unknown' },
      });
      assert.equal(weird.statusCode, 415);
      const huge = await t.app.inject({
        method: 'POST',
        url: '/admin/sign-in',
        payload: `username=${'a'.repeat(200_000)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(huge.statusCode, 413);
      assert.match(huge.body, /larger than we accept|超过了允许的大小/);
      for (const r of [en, zh, bad, badJson, weird, huge]) {
        assert.doesNotMatch(
          r.body,
          /at \w+ \(|node_modules|Error:|FST_/,
          'no stack traces or internal codes',
        );
      }
    });

    it('a server error shows a reference, not the error', async () => {
      const { buildApp } = await import('../../src/app.ts');
      const app = await buildApp(t.config, {
        database: t.db.handle,
        skipMigrations: true,
        logStream: new (await import('node:stream')).PassThrough(),
      });
      app.get('/boom', { config: { access: 'public' } }, async () => {
        throw new Error('secret internal detail');
      });
      const res = await app.inject({ url: '/boom' });
      assert.equal(res.statusCode, 500);
      assert.doesNotMatch(res.body, /secret internal detail|at /);
      assert.match(res.body, /Reference for support|技术支持参考编号/);
      await app.close();
    });

    it('serves health and readiness', async () => {
      const h = await t.app.inject({ url: '/healthz' });
      assert.equal(h.statusCode, 200);
      assert.deepEqual(h.json(), { status: 'ok' });
      const r = await t.app.inject({ url: '/readyz' });
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.json(), { status: 'ready' });
    });

    it('reports not-ready while migrations are pending', async () => {
      const { createTestDatabase } = await import('../helpers/databases.ts');
      const { buildApp } = await import('../../src/app.ts');
      const empty = await createTestDatabase(dialect);
      try {
        const app = await buildApp(
          { ...t.config, dataDir: empty.dataDir },
          { database: empty.handle, skipMigrations: true },
        ).catch(() => undefined);
        // Without migrations the settings table is missing: building fails or readiness says so.
        if (app) {
          const r = await app.inject({ url: '/readyz' });
          assert.equal(r.statusCode, 503);
          await app.close();
        }
      } finally {
        await empty.drop();
      }
    });
  });

  describe(`languages (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(() => t.close());

    it('follows Accept-Language, defaults to Chinese, and remembers a switch without tracking', async () => {
      const zh = await t.app.inject({ url: '/', headers: { 'accept-language': 'zh-TW,zh;q=0.8' } });
      assert.match(zh.body, /<html lang="zh-CN">/);
      const en = await t.app.inject({ url: '/', headers: { 'accept-language': 'fr-FR, en;q=0.5' } });
      assert.match(en.body, /<html lang="en">/);
      const none = await t.app.inject({ url: '/' });
      assert.match(none.body, /<html lang="zh-CN">/);
      assert.match(en.body, /href="\/lang\/zh-CN\?next=%2F"/, 'every page links to the other language');

      const sw = await t.app.inject({ url: '/lang/en?next=/admin/sign-in' });
      assert.equal(sw.statusCode, 303);
      assert.equal(sw.headers.location, '/admin/sign-in');
      const cookie = String(sw.headers['set-cookie']);
      assert.match(cookie, /^vigil_lang=en;/);
      assert.match(cookie, /HttpOnly/);
      const after = await t.app.inject({
        url: '/admin/sign-in',
        headers: { cookie: 'vigil_lang=en', 'accept-language': 'zh-CN' },
      });
      assert.match(after.body, /<html lang="en">/, 'the remembered choice wins over the header');
      const evil = await t.app.inject({ url: '/lang/en?next=//evil.example/' });
      assert.equal(evil.headers.location, '/', 'no open redirect');
      const evil2 = await t.app.inject({ url: '/lang/en?next=https://evil.example/' });
      assert.equal(evil2.headers.location, '/');
    });

    it('serves the cached home page with validators and a 304 on revalidation', async () => {
      const first = await t.app.inject({ url: '/', headers: { 'accept-language': 'en' } });
      const etag = String(first.headers.etag);
      assert.ok(etag.length > 5);
      assert.ok(first.headers['last-modified']);
      const again = await t.app.inject({
        url: '/',
        headers: { 'accept-language': 'en', 'if-none-match': etag },
      });
      assert.equal(again.statusCode, 304);
      const admin = await signIn(t, await createStaff(t, 'cache-admin', ['admin']));
      await admin.get('/admin/settings');
      const saved = await admin.postForm('/admin/settings', {
        orgNameEn: 'Tip Line of Example',
        orgNameZh: '示例举报平台',
        taglineEn: '',
        taglineZh: '',
      });
      assert.equal(saved.statusCode, 303);
      const changed = await t.app.inject({
        url: '/',
        headers: { 'accept-language': 'en', 'if-none-match': etag },
      });
      assert.equal(changed.statusCode, 200, 'a settings change invalidates the cached page');
      assert.match(changed.body, /Tip Line of Example/);
      const audit = await t.app.vigil.audit.list({ action: 'settings.changed', limit: 5 });
      assert.equal(audit.length, 1);
      assert.match(audit[0]!.details, /Tip Line of Example/);
    });

    it('settings refuse bad input and keep what was typed', async () => {
      const admin = await signIn(t, await createStaff(t, 'settings-admin', ['admin']));
      await admin.get('/admin/settings');
      const r = await admin.postForm('/admin/settings', {
        orgNameEn: '',
        orgNameZh: 'x'.repeat(81),
        taglineEn: 'kept text',
        taglineZh: '',
      });
      assert.equal(r.statusCode, 400);
      assert.match(r.body, /kept text/);
      assert.match(r.body, /This field is required|此项为必填项/);
    });
  });
}

describe('sign-in attempts are capped per node, whoever sends them', () => {
  it('answers 429 with the typed username kept once the burst is spent', async () => {
    const t = await createTestApp('sqlite');
    try {
      const c = t.client();
      c.lang = 'en';
      await c.get('/admin/sign-in');
      const codes: number[] = [];
      for (let i = 0; i < 35; i++)
        codes.push(
          (await c.postForm('/admin/sign-in', { username: `guess${i}`, password: 'nope nope nope' }))
            .statusCode,
        );
      assert.ok(
        codes.slice(0, 30).every((s) => s === 401),
        'the first thirty are checked',
      );
      const limited = await c.postForm('/admin/sign-in', {
        username: 'kept-name',
        password: 'nope nope nope',
      });
      assert.equal(limited.statusCode, 429);
      assert.match(limited.body, /value="kept-name"/);
      assert.match(limited.body, /wait a little/);
      t.clock.advance(2000);
      assert.equal(
        (await c.postForm('/admin/sign-in', { username: 'again', password: 'nope nope nope' })).statusCode,
        401,
      );
    } finally {
      await t.close();
    }
  });
});
