/**
 * Property-based fuzzing of the identity, protection, legal hold, retention, notices and reporter
 * consent forms: hostile fields, repeated fields, missing or broken tokens, random ids in the URL
 * never produce a 5xx, and never leave a half-written record (each approval row has its audit
 * entry; the audit chain verifies; retention days stay in bounds).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { caseChannel, makeReport, type SignedInStaff, signedInStaff } from '../helpers/cases.ts';
import { dialects } from '../helpers/databases.ts';
import { hostileString as hostile } from '../helpers/fuzz.ts';
import type { HttpClient } from '../helpers/http-client.ts';

const value = hostile({
  extra: [
    '1',
    '0',
    '2',
    'agree',
    'refuse',
    'approve',
    'reporter-at-risk',
    'protect-named',
    'risk-assessed',
    '36500',
  ],
  longMax: 9_000,
});
const FIELDS = [
  'reason',
  'decision',
  'flag',
  'on',
  'version',
  'items',
  'id',
  'all',
  'consent',
  'answer',
  'days.duplicate',
  'version.duplicate',
  '__proto__',
];

const fields = fc.array(fc.tuple(fc.constantFrom(...FIELDS), value), { maxLength: 8 });
const ids = fc.oneof(
  fc.constant('REPORT'),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/),
  fc.constant('%2e%2e'),
);

async function send(c: HttpClient, url: string, pairs: [string, string][], token: boolean) {
  const params = new URLSearchParams();
  if (token && c.csrf) params.append('_csrf', c.csrf);
  for (const [k, v] of pairs) params.append(k, v);
  return c.postRaw(url, params.toString());
}

for (const dialect of await dialects()) {
  describe(`case identity, protection and retention fuzz (${dialect})`, () => {
    let t: TestApp;
    let sup: SignedInStaff;
    let admin: SignedInStaff;
    let reportId: string;
    let reporter: HttpClient;

    before(async () => {
      t = await createTestApp(dialect);
      sup = await signedInStaff(t, ['supervisor', 'handler'], 'fz-sup');
      admin = await signedInStaff(t, ['admin'], 'fz-admin');
      const channel = await caseChannel(t, [sup.staff.id]);
      const r = await makeReport(t, channel, {
        identity: { mode: 'confidential', contact: 'fz@example.org' },
      });
      reportId = r.reportId;
      reporter = t.client();
      await reporter.get('/report/follow-up');
      await reporter.postForm('/report/follow-up', { code: r.receiptCode });
      await reporter.get('/report/follow-up/mailbox');
    });
    after(() => t.close());

    it('never fails on the staff forms', async () => {
      const paths = [
        '/admin/cases/:id/identity/request',
        '/admin/cases/:id/identity/consent',
        '/admin/cases/:id/identity/approvals/:x',
        '/admin/cases/:id/identity/grants/:x/revoke',
        '/admin/cases/:id/protection',
        '/admin/cases/:id/protection/checklist',
        '/admin/cases/:id/hold',
        '/admin/notices/read',
      ];
      await sup.client.get(`/admin/cases/${reportId}/protection`);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...paths),
          ids,
          ids,
          fields,
          fc.boolean(),
          async (path, id, x, pairs, token) => {
            const url = path.replace(':id', id === 'REPORT' ? reportId : id).replace(':x', x);
            const res = await send(sup.client, url, pairs, token);
            assert.ok(res.statusCode < 500, `${url} → ${res.statusCode}: ${res.body.slice(0, 300)}`);
            assert.ok([303, 400, 403, 404, 409].includes(res.statusCode), `${url} → ${res.statusCode}`);
          },
        ),
        { numRuns: 150 },
      );
    });

    it('never fails on the retention form', async () => {
      await admin.client.get('/admin/retention');
      await fc.assert(
        fc.asyncProperty(fields, fc.boolean(), async (pairs, token) => {
          const res = await send(admin.client, '/admin/retention', pairs, token);
          assert.ok([303, 400, 403, 409].includes(res.statusCode), `→ ${res.statusCode}`);
        }),
        { numRuns: 60 },
      );
      const rules = await t.db.handle.db.selectFrom('retention_rules').select('days').execute();
      for (const r of rules) assert.ok(r.days >= 1 && r.days <= 36500);
    });

    it('never fails on the reporter’s consent form', async () => {
      await fc.assert(
        fc.asyncProperty(fields, fc.boolean(), async (pairs, token) => {
          const res = await send(reporter, '/report/follow-up/consent', pairs, token);
          assert.ok([303, 400, 403, 409].includes(res.statusCode), `→ ${res.statusCode}`);
        }),
        { numRuns: 60 },
      );
    });

    it('left nothing half-written', async () => {
      const db = t.db.handle.db;
      const approvals = await db.selectFrom('case_approvals').select('id').execute();
      const requested = await db
        .selectFrom('audit_log')
        .select('seq')
        .where('action', '=', 'case.identity-requested')
        .execute();
      assert.equal(approvals.length, requested.length);
      const verify = await t.app.vigil.audit.verify();
      assert.ok(verify.ok, JSON.stringify(verify));
    });
  });
}
