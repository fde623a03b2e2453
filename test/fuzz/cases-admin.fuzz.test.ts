/**
 * Fuzzing of the statistics filters and the recovery forms (set-up, request, approve, protect):
 * hostile query strings and bodies never produce a 5xx, and leave only whole, valid records.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { caseChannel, makeReport, type SignedInStaff, signedInStaff } from '../helpers/cases.ts';
import { dialects } from '../helpers/databases.ts';
import { hostileString as hostile } from '../helpers/fuzz.ts';
import type { HttpClient } from '../helpers/http-client.ts';

const FIELDS = [
  'threshold',
  'holders',
  'replace',
  'target',
  'reason',
  'from',
  'to',
  'channel',
  '_csrf',
  '__proto__',
];

for (const dialect of await dialects()) {
  describe(`back-office admin fuzzing: stats and recovery (${dialect})`, () => {
    let t: TestApp;
    let admin: SignedInStaff;
    let sups: SignedInStaff[];
    const runs = dialect === 'sqlite' ? 120 : 50;
    let values: string[];

    before(async () => {
      t = await createTestApp(dialect);
      admin = await signedInStaff(t, ['admin'], 'fz-admin');
      sups = [
        await signedInStaff(t, ['supervisor'], 'fz-sup1'),
        await signedInStaff(t, ['supervisor'], 'fz-sup2'),
      ];
      const channel = await caseChannel(t, [sups[0]!.staff.id]);
      await makeReport(t, channel);
      values = [
        ...sups.map((s) => s.staff.id),
        admin.staff.id,
        channel.channelId,
        '2',
        '3',
        '20',
        'yes',
        '2026-01',
        '2026-13',
      ];
    });
    after(() => t.close());

    const hostileString = () => hostile({ extra: values, longMax: 5000 });

    async function post(client: HttpClient, url: string, body: string) {
      return t.app.inject({
        method: 'POST',
        url,
        payload: body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        },
      });
    }

    const formBody = (client: HttpClient) =>
      fc
        .tuple(
          fc.array(fc.tuple(fc.constantFrom(...FIELDS), hostileString()), { maxLength: 10 }),
          fc.boolean(),
        )
        .map(([pairs, token]) => {
          const p = new URLSearchParams();
          if (token && client.csrf) p.append('_csrf', client.csrf);
          for (const [k, v] of pairs) p.append(k, v);
          return p.toString();
        });

    it('stats filters never fail', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom('from', 'to', 'channel', 'x'), hostileString()), {
            maxLength: 5,
          }),
          async (pairs) => {
            const q = new URLSearchParams();
            for (const [k, v] of pairs) q.append(k, v);
            const res = await admin.client.get(`/admin/stats?${q.toString()}`);
            assert.ok(
              [200, 400].includes(res.statusCode),
              `${q.toString().slice(0, 200)} → ${res.statusCode}`,
            );
            assert.doesNotMatch(res.body, /node_modules|at async |FST_ERR/);
          },
        ),
        { numRuns: runs },
      );
    });

    it('recovery forms never fail and leave whole records', async () => {
      await admin.client.get('/admin/recovery');
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/admin/recovery/setup', '/admin/recovery/requests', '/admin/recovery/protect'),
          formBody(admin.client),
          async (url, body) => {
            const res = await post(admin.client, url, body);
            assert.ok(res.statusCode < 500, `${url} answered ${res.statusCode}`);
            assert.doesNotMatch(res.body, /node_modules|at async |FST_ERR/);
          },
        ),
        { numRuns: runs },
      );
      await sups[0]!.client.get('/admin/recovery');
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.constantFrom('/admin/recovery/protect', '/admin/recovery/requests', '/admin/recovery/setup'),
            hostileString().map((id) => `/admin/recovery/requests/${encodeURIComponent(id)}/approve`),
          ),
          formBody(sups[0]!.client),
          async (url, body) => {
            const res = await post(sups[0]!.client, url, body);
            assert.ok(res.statusCode < 500, `${url} answered ${res.statusCode}`);
          },
        ),
        { numRuns: runs },
      );
      const db = t.db.handle.db;
      const keys = await db.selectFrom('recovery_keys').selectAll().execute();
      assert.ok(keys.filter((k) => k.status === 'active').length <= 1);
      for (const k of keys) {
        assert.ok(k.threshold >= 2 && k.threshold <= k.share_count && k.share_count <= 20);
        const shares = await db
          .selectFrom('recovery_shares')
          .select('share_index')
          .where('key_id', '=', k.id)
          .execute();
        assert.equal(shares.length, k.share_count, 'every key has all its shares');
      }
      const requests = await db.selectFrom('recovery_requests').selectAll().execute();
      for (const r of requests) assert.ok(r.reason.trim().length > 0 && r.reason.length <= 1000);
      const verify = await t.app.vigil.audit.verify();
      assert.ok(verify.ok);
    });
  });
}
