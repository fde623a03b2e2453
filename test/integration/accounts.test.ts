import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createStaff, createTestApp, nextTotp, signIn, TEST_PASSWORD, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';

const SETUP_LINK = /\/admin\/setup\/([A-Za-z0-9_-]{43})/;

for (const dialect of await dialects()) {
  describe(`staff accounts (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(() => t.close());

    it('sets up the first admin through the one-time link, enrols TOTP and signs in', async () => {
      const token = await t.app.accounts.staff.issueFirstAdminLink({ id: null, label: 'test' });
      assert.ok(token);
      const c = t.client();
      const page = await c.get(`/admin/setup/${token}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /first administrator|第一位管理员/);

      const mismatch = await c.postForm(`/admin/setup/${token}`, {
        username: 'root-admin',
        displayName: 'Ada Admin',
        password: TEST_PASSWORD,
        confirm: 'something else entirely',
      });
      assert.equal(mismatch.statusCode, 400);
      assert.match(mismatch.body, /value="root-admin"/, 'typed username is kept');
      assert.match(mismatch.body, /value="Ada Admin"/, 'typed name is kept');
      assert.doesNotMatch(mismatch.body, /correct horse/, 'passwords are never echoed');

      const ok = await c.postForm(`/admin/setup/${token}`, {
        username: 'root-admin',
        displayName: 'Ada Admin',
        password: TEST_PASSWORD,
        confirm: TEST_PASSWORD,
      });
      assert.equal(ok.statusCode, 303);
      assert.equal(ok.headers.location, '/admin/sign-in?m=password-set');

      const reuse = await c.get(`/admin/setup/${token}`);
      assert.equal(reuse.statusCode, 404, 'the link works once');
      assert.equal(await t.app.accounts.staff.issueFirstAdminLink({ id: null, label: 'test' }), undefined);

      const admin = { id: '', username: 'root-admin', password: TEST_PASSWORD, roles: ['admin' as const] };
      await c.get('/admin/sign-in');
      const first = await c.postForm('/admin/sign-in', { username: 'ROOT-admin', password: TEST_PASSWORD });
      assert.equal(first.statusCode, 303);
      assert.equal(first.headers.location, '/admin/sign-in/two-factor', 'admins must enrol a second factor');
      const blocked = await c.get('/admin');
      assert.equal(blocked.statusCode, 303, 'no back office before the second factor');

      await signIn(t, admin, c).catch(() => undefined);
      const fresh = await signIn(t, admin);
      const home = await fresh.get('/admin');
      assert.equal(home.statusCode, 200);
      assert.match(home.body, /Ada Admin/);
      const key = await t.db.handle.db.selectFrom('staff_keys').selectAll().execute();
      assert.equal(key.length, 1, 'a key pair was created at first sign-in');
      assert.equal(key[0]!.public_key.length, 32);
    });

    it('refuses wrong passwords with one message, throttles the account, and audits it', async () => {
      const s = await createStaff(t, 'throttled-editor', ['editor']);
      const c = t.client();
      await c.get('/admin/sign-in');
      for (let i = 0; i < 5; i++) {
        const r = await c.postForm('/admin/sign-in', {
          username: s.username,
          password: 'wrong password here',
        });
        assert.equal(r.statusCode, 401);
        assert.match(r.body, /username or password is not correct|用户名或密码不正确/);
      }
      const unknown = await c.postForm('/admin/sign-in', {
        username: 'nobody-here',
        password: 'wrong password here',
      });
      assert.equal(unknown.statusCode, 401, 'unknown accounts get the same answer');
      const sixth = await c.postForm('/admin/sign-in', {
        username: s.username,
        password: 'wrong password here',
      });
      assert.equal(sixth.statusCode, 401);
      const right = await c.postForm('/admin/sign-in', { username: s.username, password: s.password });
      assert.equal(right.statusCode, 429, 'even the right password waits while throttled');
      t.clock.advance(10 * 60_000);
      const later = await c.postForm('/admin/sign-in', { username: s.username, password: s.password });
      assert.equal(later.statusCode, 303);
      const failed = await t.app.vigil.audit.list({ action: 'auth.sign-in-failed', limit: 100 });
      assert.ok(failed.length >= 7);
      const throttleRows = await t.db.handle.db.selectFrom('throttles').selectAll().execute();
      for (const row of throttleRows) assert.doesNotMatch(row.key, /throttled-editor|nobody/);
    });

    it('lets an admin create staff, set roles, issue a reset link and disable them', async () => {
      const admin = await createStaff(t, 'staff-admin', ['admin']);
      const c = await signIn(t, admin);
      const form = await c.get('/admin/staff/new');
      assert.equal(form.statusCode, 200);
      const bad = await c.postForm('/admin/staff', { username: 'X', displayName: '' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /value="X"/);
      const created = await c.postForm('/admin/staff', {
        username: 'hana.handler',
        displayName: 'Hana',
        roles: ['handler', 'reviewer'],
      });
      assert.equal(created.statusCode, 200);
      const link = SETUP_LINK.exec(created.body);
      assert.ok(link, 'the page shows a one-time setup link');
      const dup = await c.postForm('/admin/staff', {
        username: 'hana.handler',
        displayName: 'Hana 2',
        roles: ['editor'],
      });
      assert.equal(dup.statusCode, 400);
      assert.match(dup.body, /already taken|已被占用/);

      const person = t.client();
      await person.get(`/admin/setup/${link[1]}`);
      const set = await person.postForm(`/admin/setup/${link[1]}`, {
        password: 'hana has a long password',
        confirm: 'hana has a long password',
      });
      assert.equal(set.statusCode, 303);
      const hana = await t.app.accounts.repo.findByUsername('hana.handler');
      assert.ok(hana);
      assert.equal(hana.status, 'active');
      assert.deepEqual(hana.roles, ['handler', 'reviewer']);

      await c.get(`/admin/staff/${hana.id}`);
      const stale = await c.postForm(`/admin/staff/${hana.id}/roles`, {
        roles: ['editor'],
        version: String(hana.version - 1),
      });
      assert.equal(stale.statusCode, 409, 'an update based on an old version is refused');
      const roles = await c.postForm(`/admin/staff/${hana.id}/roles`, {
        roles: ['editor', 'supervisor'],
        version: String(hana.version),
      });
      assert.equal(roles.statusCode, 303);
      assert.deepEqual((await t.app.accounts.repo.rolesOf(hana.id)).sort(), ['editor', 'supervisor']);
      const noRole = await c.postForm(`/admin/staff/${hana.id}/roles`, { version: String(hana.version + 1) });
      assert.equal(noRole.statusCode, 400);
      const bogus = await c.postForm(`/admin/staff/${hana.id}/roles`, {
        roles: ['emperor'],
        version: String(hana.version + 1),
      });
      assert.equal(bogus.statusCode, 400);

      const reset = await c.postForm(`/admin/staff/${hana.id}/link`, {});
      assert.equal(reset.statusCode, 200);
      assert.ok(SETUP_LINK.test(reset.body));

      const current = await t.app.accounts.repo.findById(hana.id);
      const disable = await c.postForm(`/admin/staff/${hana.id}/status`, {
        status: 'disabled',
        version: String(current!.version),
      });
      assert.equal(disable.statusCode, 303);
      const tryIn = t.client();
      await tryIn.get('/admin/sign-in');
      const r = await tryIn.postForm('/admin/sign-in', {
        username: 'hana.handler',
        password: 'hana has a long password',
      });
      assert.equal(r.statusCode, 401, 'a disabled account cannot sign in');

      const actions = (await t.app.vigil.audit.list({ limit: 200 })).map((e) => e.action);
      for (const a of [
        'staff.created',
        'staff.setup-completed',
        'staff.roles-changed',
        'staff.reset-link-issued',
        'staff.disabled',
      ]) {
        assert.ok(actions.includes(a), `audited: ${a}`);
      }
    });

    it('keeps at least one active administrator', async () => {
      const t2 = await createTestApp(dialect);
      try {
        const only = await createStaff(t2, 'only-admin', ['admin']);
        const other = await createStaff(t2, 'other-admin', ['admin']);
        const c = await signIn(t2, other);
        const row = await t2.app.accounts.repo.findById(other.id);
        const self = await c.postForm(`/admin/staff/${other.id}/status`, {
          status: 'disabled',
          version: String(row!.version),
        });
        assert.equal(self.statusCode, 409, 'nobody disables their own account');
        const onlyRow = await t2.app.accounts.repo.findById(only.id);
        assert.equal(
          (
            await c.postForm(`/admin/staff/${only.id}/status`, {
              status: 'disabled',
              version: String(onlyRow!.version),
            })
          ).statusCode,
          303,
        );
        const selfRow = await t2.app.accounts.repo.findById(other.id);
        const demote = await c.postForm(`/admin/staff/${other.id}/roles`, {
          roles: ['editor'],
          version: String(selfRow!.version),
        });
        assert.equal(demote.statusCode, 409);
        assert.match(demote.body, /active administrator|启用状态的管理员/);
      } finally {
        await t2.close();
      }
    });

    it('changes a password, re-wraps the key, ends other sessions; sign out everywhere ends all', async () => {
      const s = await createStaff(t, 'pat.supervisor', ['supervisor']);
      const a = await signIn(t, s);
      const b = await signIn(t, s);
      const keyBefore = await t.app.accounts.repo.activeKey(s.id);
      await a.get('/admin/account');
      const wrong = await a.postForm('/admin/account/password', {
        current: 'not my password',
        password: 'a brand new passphrase',
        confirm: 'a brand new passphrase',
      });
      assert.equal(wrong.statusCode, 400);
      const weak = await a.postForm('/admin/account/password', {
        current: s.password,
        password: 'short',
        confirm: 'short',
      });
      assert.equal(weak.statusCode, 400);
      const ok = await a.postForm('/admin/account/password', {
        current: s.password,
        password: 'a brand new passphrase',
        confirm: 'a brand new passphrase',
      });
      assert.equal(ok.statusCode, 303);
      const keyAfter = await t.app.accounts.repo.activeKey(s.id);
      assert.equal(keyAfter!.id, keyBefore!.id, 'the same key pair');
      assert.ok(
        !keyAfter!.wrapped_private_key.equals(keyBefore!.wrapped_private_key),
        'wrapped under the new password',
      );
      assert.equal((await b.get('/admin')).statusCode, 303, 'the other session ended');
      assert.equal((await a.get('/admin')).statusCode, 200, 'this session stays');

      s.password = 'a brand new passphrase';
      const again = await signIn(t, s);
      assert.equal((await again.get('/admin')).statusCode, 200, 'the new password unwraps the same key');
      await again.get('/admin/account');
      const out = await again.postForm('/admin/account/sign-out-everywhere', {});
      assert.equal(out.statusCode, 303);
      assert.equal((await a.get('/admin')).statusCode, 303);
      assert.equal((await again.get('/admin')).statusCode, 303);
    });

    it('a TOTP code works once and a wrong one is refused', async () => {
      const s = await createStaff(t, 'once.handler', ['handler']);
      await signIn(t, s);
      const c = t.client();
      await c.get('/admin/sign-in');
      await c.postForm('/admin/sign-in', { username: s.username, password: s.password });
      await c.get('/admin/sign-in/two-factor');
      const wrong = await c.postForm('/admin/sign-in/two-factor', {
        code: '000000' === nextTotp(t, s.totpSecret!) ? '111111' : '000000',
      });
      assert.equal(wrong.statusCode, 400);
      const code = nextTotp(t, s.totpSecret!);
      assert.equal((await c.postForm('/admin/sign-in/two-factor', { code })).statusCode, 303);
      const d = t.client();
      await d.get('/admin/sign-in');
      await d.postForm('/admin/sign-in', { username: s.username, password: s.password });
      await d.get('/admin/sign-in/two-factor');
      const replay = await d.postForm('/admin/sign-in/two-factor', { code });
      assert.equal(replay.statusCode, 400, 'the same code cannot be used twice');
    });

    it('ends sessions after the idle timeout and the absolute timeout', async () => {
      const s = await createStaff(t, 'idle.editor', ['editor']);
      const c = await signIn(t, s);
      t.clock.advance(t.config.sessionIdleMs - 60_000);
      assert.equal((await c.get('/admin')).statusCode, 200);
      t.clock.advance(t.config.sessionIdleMs + 1000);
      const gone = await c.get('/admin');
      assert.equal(gone.statusCode, 303);
      assert.match(String(gone.headers.location), /^\/admin\/sign-in/);

      const d = await signIn(t, s);
      const steps = Math.ceil(t.config.sessionAbsoluteMs / (t.config.sessionIdleMs / 2));
      let last = 200;
      for (let i = 0; i < steps + 1; i++) {
        t.clock.advance(t.config.sessionIdleMs / 2);
        last = (await d.get('/admin')).statusCode;
        if (last !== 200) break;
      }
      assert.equal(last, 303, 'an active session still ends at the absolute timeout');
    });

    it('sets session cookies HttpOnly and SameSite=Strict, and Secure behind TLS', async () => {
      const s = await createStaff(t, 'cookie.editor', ['editor']);
      const c = t.client();
      await c.get('/admin/sign-in');
      const r = await c.postForm('/admin/sign-in', { username: s.username, password: s.password });
      const cookies = ([] as string[]).concat(r.headers['set-cookie'] as string | string[]);
      const session = cookies.find((x) => x.startsWith('vigil_session='));
      assert.ok(session);
      assert.match(session, /HttpOnly/);
      assert.match(session, /SameSite=Strict/);
      assert.doesNotMatch(session, /Secure/);
      const tls = await createTestApp(dialect, { VIGIL_PUBLIC_URL: 'https://vigil.example.org' });
      try {
        const s2 = await createStaff(tls, 'tls.editor', ['editor']);
        const c2 = tls.client();
        await c2.get('/admin/sign-in');
        const r2 = await c2.postForm('/admin/sign-in', { username: s2.username, password: s2.password });
        const secure = ([] as string[])
          .concat(r2.headers['set-cookie'] as string | string[])
          .find((x) => x.startsWith('vigil_session='));
        assert.match(secure!, /; Secure/);
        assert.match(String(r2.headers['strict-transport-security'] ?? ''), /max-age=/);
      } finally {
        await tls.close();
      }
    });
  });
}
