/**
 * Walks every registered /admin route: an anonymous request is sent to sign-in, and a signed-in
 * person without the route's role gets 403. Routes added later are covered without editing this.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROLES, type Role } from '../../src/platform/db/schema.ts';
import { createStaff, createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';

/** Fills path parameters with plausible values so the request reaches the route, not a 404. */
function concreteUrl(pattern: string): string {
  return pattern.replace(/:(\w+)/g, (_m, name: string) =>
    name === 'id' ? '00000000-0000-4000-8000-000000000000' : name === 'token' ? 'A'.repeat(43) : 'x',
  );
}

for (const dialect of await dialects()) {
  describe(`back-office route walk (${dialect})`, () => {
    let t: TestApp;
    const clients = new Map<Role, HttpClient>();
    before(async () => {
      t = await createTestApp(dialect);
      // One person per role, each holding only that role.
      for (const role of ROLES)
        clients.set(role, await signIn(t, await createStaff(t, `only-${role}`, [role])));
    });
    after(() => t.close());

    it('every /admin route declares its access rule', () => {
      const admin = t.app.routeTable.filter((r) => r.url === '/admin' || r.url.startsWith('/admin/'));
      assert.ok(admin.length >= 15, `found ${admin.length} back-office routes`);
      for (const r of admin) {
        const ok = r.access === 'public' || r.access === 'partial' || Array.isArray(r.access);
        assert.ok(ok, `${r.method} ${r.url} has access ${JSON.stringify(r.access)}`);
      }
    });

    it('registering an /admin route without an access rule fails', async () => {
      const { buildApp } = await import('../../src/app.ts');
      const app = await buildApp(t.config, { database: t.db.handle, skipMigrations: true });
      assert.throws(() => app.get('/admin/forgotten', async () => 'oops'), /declares no access rule/);
      await app.close();
    });

    it('sends anonymous visitors to sign-in and refuses staff without the role', async () => {
      const routes = t.app.routeTable.filter(
        (r) => (r.url === '/admin' || r.url.startsWith('/admin/')) && r.method !== 'HEAD',
      );
      let checkedRoleRefusals = 0;
      for (const r of routes) {
        const url = concreteUrl(r.url);
        const method = r.method as 'GET' | 'POST';
        const anon = await t.app.inject({
          method,
          url,
          ...(method === 'POST'
            ? { payload: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } }
            : {}),
        });
        if (r.access === 'public') {
          assert.notEqual(
            anon.statusCode,
            500,
            `${method} ${r.url} answers anonymous visitors without error`,
          );
          continue;
        }
        assert.equal(
          anon.statusCode,
          303,
          `${method} ${r.url}: anonymous gets a redirect (got ${anon.statusCode})`,
        );
        assert.match(
          String(anon.headers.location),
          /^\/admin\/sign-in/,
          `${method} ${r.url} redirects to sign-in`,
        );
        if (r.access === 'partial' || !Array.isArray(r.access) || r.access.length === 0) continue;
        for (const role of ROLES) {
          if ((r.access as Role[]).includes(role)) continue;
          const c: HttpClient = clients.get(role)!;
          const res: { statusCode: number } = method === 'GET' ? await c.get(url) : await c.postForm(url, {});
          assert.equal(res.statusCode, 403, `${method} ${r.url} refuses a ${role} (got ${res.statusCode})`);
          checkedRoleRefusals++;
        }
      }
      assert.ok(checkedRoleRefusals > 20, `checked ${checkedRoleRefusals} refusals`);
    });

    it('refuses every back-office form sent without a CSRF token, even from someone allowed', async () => {
      const posts = t.app.routeTable.filter(
        (r) => r.method === 'POST' && Array.isArray(r.access) && r.url.startsWith('/admin'),
      );
      assert.ok(posts.length > 30, `found ${posts.length} back-office forms`);
      for (const r of posts) {
        const access = r.access as Role[];
        const role = access.length === 0 ? 'admin' : access[0]!;
        const res = await clients.get(role)!.postForm(concreteUrl(r.url), { anything: 'x' }, { csrf: false });
        assert.equal(res.statusCode, 403, `POST ${r.url} as ${role} without a token: ${res.statusCode}`);
      }
    });

    it('lets each role reach the routes it holds', async () => {
      const routes = t.app.routeTable.filter(
        (r) =>
          r.method === 'GET' && Array.isArray(r.access) && r.url.startsWith('/admin') && !r.url.includes(':'),
      );
      for (const r of routes) {
        for (const role of ROLES) {
          const allowed = (r.access as Role[]).length === 0 || (r.access as Role[]).includes(role);
          if (!allowed) continue;
          const res = await clients.get(role)!.get(r.url);
          assert.equal(res.statusCode, 200, `${r.url} as ${role}`);
        }
      }
    });
  });
}
