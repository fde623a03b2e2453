/**
 * Property-based fuzzing of the sign-in, setup, two-factor, staff, account and settings forms:
 * random bytes, huge fields, wrong types, broken UTF-8 and repeated submissions never produce a
 * 5xx, never create a half-written record, and never break the audit chain.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { USERNAME_PATTERN } from '../../src/modules/accounts/password-policy.ts';
import { createStaff, createTestApp, signIn, TEST_PASSWORD, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import { hostileString as hostile } from '../helpers/fuzz.ts';
import type { HttpClient } from '../helpers/http-client.ts';

const FIELD_NAMES = [
  'username',
  'password',
  'displayName',
  'confirm',
  'roles',
  'version',
  'status',
  'code',
  'current',
  'next',
  'orgNameEn',
  'orgNameZh',
  'taglineEn',
  'taglineZh',
  '_csrf',
  '__proto__',
  'constructor',
];

const hostileString = hostile({
  extra: ['%', '%FF%FE', '../../etc/passwd', "' OR 1=1 --", 'null'],
  longMax: 70_000,
});

/** A raw request body and its content type. */
const hostileBody = (csrf: () => string | undefined) =>
  fc.oneof(
    // A form with known and unknown fields, repeated fields, hostile values, usually a valid token.
    fc
      .tuple(
        fc.array(fc.tuple(fc.constantFrom(...FIELD_NAMES), hostileString), { maxLength: 12 }),
        fc.boolean(),
        fc.boolean(),
      )
      .map(([pairs, withToken, raw]) => {
        const params = new URLSearchParams();
        const token = csrf();
        if (withToken && token) params.append('_csrf', token);
        for (const [k, v] of pairs) params.append(k, v);
        let body = params.toString();
        if (raw) body += '&broken=%E4%B8&bad=%G1%&=&&==';
        return { body, type: 'application/x-www-form-urlencoded' };
      }),
    fc
      .uint8Array({ maxLength: 3000 })
      .map((b) => ({ body: Buffer.from(b), type: 'application/x-www-form-urlencoded' })),
    fc.jsonValue().map((v) => ({ body: JSON.stringify(v), type: 'application/json' })),
    fc.constantFrom(
      {
        body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
        type: 'multipart/form-data; boundary=x',
      },
      { body: 'plain', type: 'text/plain' },
      { body: '', type: '' },
      { body: '{"username": {"$gt": ""}}', type: 'application/json' },
    ),
  );

for (const dialect of await dialects()) {
  describe(`form fuzzing (${dialect})`, () => {
    let t: TestApp;
    let admin: HttpClient;
    let partial: HttpClient;
    let targetId: string;
    const runs = dialect === 'sqlite' ? 150 : 60;

    before(async () => {
      t = await createTestApp(dialect);
      admin = await signIn(t, await createStaff(t, 'fuzz-admin', ['admin']));
      targetId = (await createStaff(t, 'fuzz-target', ['editor'])).id;
      const handler = await createStaff(t, 'fuzz-handler', ['handler']);
      await signIn(t, handler);
      partial = t.client();
      await partial.get('/admin/sign-in');
      const r = await partial.postForm('/admin/sign-in', {
        username: handler.username,
        password: handler.password,
      });
      assert.equal(r.headers.location, '/admin/sign-in/two-factor');
      await partial.get('/admin/sign-in/two-factor');
    });
    after(() => t.close());

    async function fuzz(client: HttpClient, urls: string[], prepare?: () => Promise<void>) {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...urls),
          hostileBody(() => client.csrf),
          async (url, { body, type }) => {
            await prepare?.();
            const res = await t.app.inject({
              method: 'POST',
              url,
              payload: body,
              headers: {
                ...(type ? { 'content-type': type } : {}),
                cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
              },
            });
            assert.ok(res.statusCode < 500, `${url} answered ${res.statusCode}`);
            if (res.headers['content-type']?.toString().startsWith('text/html')) {
              assert.doesNotMatch(res.body, /node_modules|at async |FST_ERR/, 'no internals leak into pages');
            }
          },
        ),
        { numRuns: runs },
      );
    }

    it('anonymous forms: sign-in and one-time links', async () => {
      const anon = t.client();
      await anon.get('/admin/sign-in');
      const token = await t.app.accounts.staff.issueLink({ id: null, label: 'fuzz' }, targetId);
      assert.ok(token.ok);
      await fuzz(anon, [
        '/admin/sign-in',
        `/admin/setup/${token.token}`,
        '/admin/setup/%FF%FE',
        `/admin/setup/${'A'.repeat(43)}`,
      ]);
    });

    it('the second factor step', async () => {
      await fuzz(partial, ['/admin/sign-in/two-factor']);
    });

    it('signed-in forms: staff, roles, status, links, account, settings, audit', async () => {
      await admin.get('/admin/staff');
      await fuzz(admin, [
        '/admin/staff',
        `/admin/staff/${targetId}/roles`,
        `/admin/staff/${targetId}/status`,
        '/admin/staff/not-a-uuid/roles',
        '/admin/settings',
        '/admin/account/password',
        '/admin/audit/verify',
      ]);
      assert.equal((await admin.get('/admin')).statusCode, 200, 'the admin is still signed in');
    });

    it('left only whole, valid records and an intact audit chain', async () => {
      const staff = await t.db.handle.db.selectFrom('staff').selectAll().execute();
      for (const s of staff) {
        assert.match(s.username, USERNAME_PATTERN, `stored username ${JSON.stringify(s.username)}`);
        assert.ok(s.display_name.trim().length > 0 && s.display_name.length <= 100);
        const roles = await t.app.accounts.repo.rolesOf(s.id);
        assert.ok(roles.length > 0, `${s.username} has roles`);
      }
      const verify = await t.app.vigil.audit.verify();
      assert.ok(verify.ok, JSON.stringify(verify));
      const settings = t.app.vigil.settings.site;
      assert.ok(settings.orgName.en.length > 0 && settings.orgName.en.length <= 80);
    });

    it('repeated submissions do not create duplicates', async () => {
      await admin.get('/admin/staff/new');
      const form = { username: 'twice.submitted', displayName: 'Twice', roles: ['editor'] };
      const [a, b] = await Promise.all([
        admin.postForm('/admin/staff', form),
        admin.postForm('/admin/staff', form),
      ]);
      assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 400]);
      const c = await admin.postForm('/admin/staff', form);
      assert.equal(c.statusCode, 400);
      const rows = await t.db.handle.db
        .selectFrom('staff')
        .selectAll()
        .where('username', '=', 'twice.submitted')
        .execute();
      assert.equal(rows.length, 1);

      const link = await t.app.accounts.staff.issueLink({ id: null, label: 'fuzz' }, rows[0]!.id);
      assert.ok(link.ok);
      const person = t.client();
      await person.get(`/admin/setup/${link.token}`);
      const body = { password: TEST_PASSWORD, confirm: TEST_PASSWORD };
      const results = await Promise.all([
        person.postForm(`/admin/setup/${link.token}`, body),
        person.postForm(`/admin/setup/${link.token}`, body),
      ]);
      assert.deepEqual(results.map((r) => r.statusCode).sort(), [303, 404], 'a link is used exactly once');
    });
  });
}
