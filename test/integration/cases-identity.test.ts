/**
 * The reporter's identity on a case: sealed even from staff who read the case; opened only by a
 * written request approved by a supervisor other than the requester (for 24 hours) or by the
 * reporter's consent given in the follow-up mailbox (for 7 days); every view audited; nothing
 * identifying (name, contact, reason) in the audit log, the timeline or notices.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONSENT_GRANT_MS, IDENTITY_GRANT_MS } from '../../src/modules/cases/identity.service.ts';
import { createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import {
  type CaseChannel,
  caseChannel,
  makeReport,
  type SignedInStaff,
  signedInStaff,
} from '../helpers/cases.ts';
import { dialects } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';

const NAME = 'Zhang Quokkaname';
const CONTACT = 'quokka-contact@example.net';
const REASON = 'Need to arrange a protective interview with the reporter (Reason-Marker-8812).';

/** The consent request in a mailbox that still waits for an answer (its form offers "agree"). */
function openConsentId(body: string): string | undefined {
  for (const form of body.matchAll(/<form[^>]*consent-form[\s\S]*?<\/form>/g))
    if (form[0].includes('value="agree"')) return /name="consent" value="([^"]+)"/.exec(form[0])?.[1];
  return undefined;
}

for (const dialect of await dialects()) {
  describe(`case identity (${dialect})`, () => {
    let t: TestApp;
    let handler: SignedInStaff;
    let sup1: SignedInStaff;
    let sup2: SignedInStaff;
    let outsider: SignedInStaff;
    let channel: CaseChannel;
    let report: { reportId: string; reference: string; receiptCode: string };
    const url = () => `/admin/cases/${report.reportId}/identity`;

    before(async () => {
      t = await createTestApp(dialect);
      handler = await signedInStaff(t, ['handler'], 'id-handler');
      sup1 = await signedInStaff(t, ['supervisor'], 'id-sup-one');
      sup2 = await signedInStaff(t, ['supervisor'], 'id-sup-two');
      outsider = await signedInStaff(t, ['handler'], 'id-outsider');
      channel = await caseChannel(t, [handler.staff.id, sup1.staff.id, sup2.staff.id]);
      report = await makeReport(t, channel, { identity: { mode: 'named', name: NAME, contact: CONTACT } });
    });
    after(() => t.close());

    async function auditText(): Promise<string> {
      const rows = await t.db.handle.db.selectFrom('audit_log').select(['action', 'details']).execute();
      return JSON.stringify(rows);
    }
    async function eventsText(): Promise<string> {
      const rows = await t.db.handle.db
        .selectFrom('case_events')
        .select(['kind', 'details'])
        .where('report_id', '=', report.reportId)
        .execute();
      return JSON.stringify(rows);
    }
    async function countAudit(action: string): Promise<number> {
      const rows = await t.db.handle.db
        .selectFrom('audit_log')
        .select('seq')
        .where('action', '=', action)
        .execute();
      return rows.length;
    }

    it('keeps the identity sealed from staff the case is shared with', async () => {
      const page = await handler.client.get(url());
      assert.equal(page.statusCode, 200, page.body.slice(0, 400));
      assert.ok(!page.body.includes(NAME));
      assert.ok(!page.body.includes(CONTACT));
      assert.match(page.body, /sealed|密封/);
    });

    it('is a 404 for staff the case is not shared with', async () => {
      assert.equal((await outsider.client.get(url())).statusCode, 404);
      const res = await outsider.client.postForm(`${url()}/request`, { reason: REASON });
      assert.equal(res.statusCode, 404);
    });

    it('refuses a request without a proper reason, keeping the text', async () => {
      await handler.client.get(url());
      const res = await handler.client.postForm(`${url()}/request`, { reason: 'short' });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /short<\/textarea>/);
      const n = await t.db.handle.db.selectFrom('case_approvals').select('id').execute();
      assert.equal(n.length, 0);
    });

    it('four eyes: request, own approval refused, another supervisor approves, visible until expiry', async () => {
      await handler.client.get(url());
      const res = await handler.client.postForm(`${url()}/request`, { reason: REASON });
      assert.equal(res.statusCode, 303);
      const approval = await t.db.handle.db
        .selectFrom('case_approvals')
        .selectAll()
        .where('report_id', '=', report.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(approval.status, 'pending');
      assert.equal(approval.basis, 'four-eyes');
      assert.ok(!Buffer.from(approval.sealed_reason).toString('utf8').includes('Reason-Marker'));
      const notices = await t.db.handle.db
        .selectFrom('staff_notices')
        .select(['staff_id', 'kind'])
        .where('kind', '=', 'approval-needed')
        .execute();
      assert.deepEqual(notices.map((n) => n.staff_id).sort(), [sup1.staff.id, sup2.staff.id].sort());

      // A second request by the same person while one waits: refused.
      await handler.client.get(url());
      assert.equal((await handler.client.postForm(`${url()}/request`, { reason: REASON })).statusCode, 409);

      // A supervisor's own request cannot be approved by themself.
      await sup1.client.get(url());
      assert.equal((await sup1.client.postForm(`${url()}/request`, { reason: REASON })).statusCode, 303);
      const own = await t.db.handle.db
        .selectFrom('case_approvals')
        .select('id')
        .where('requested_by', '=', sup1.staff.id)
        .executeTakeFirstOrThrow();
      await sup1.client.get(url());
      const refused = await sup1.client.postForm(`${url()}/approvals/${own.id}`, { decision: 'approve' });
      assert.equal(refused.statusCode, 403);
      assert.match(refused.body, /own request|自己的申请/);

      // A handler cannot decide.
      await handler.client.get(url());
      const byHandler = await handler.client.postForm(`${url()}/approvals/${approval.id}`, {
        decision: 'approve',
      });
      assert.equal(byHandler.statusCode, 403);

      // The reason shows to the other supervisor, who approves.
      const seen = await sup2.client.get(url());
      assert.ok(seen.body.includes('Reason-Marker-8812'));
      const ok = await sup2.client.postForm(`${url()}/approvals/${approval.id}`, { decision: 'approve' });
      assert.equal(ok.statusCode, 303);
      const grant = await t.db.handle.db
        .selectFrom('identity_grants')
        .selectAll()
        .where('staff_id', '=', handler.staff.id)
        .executeTakeFirstOrThrow();
      assert.equal(grant.basis, 'four-eyes');
      assert.equal(grant.expires_at - grant.granted_at, IDENTITY_GRANT_MS);

      // The approver does not see the identity; the requester does, and each view is audited.
      assert.ok(!(await sup2.client.get(url())).body.includes(NAME));
      const before = await countAudit('case.identity-read');
      const shown = await handler.client.get(url());
      assert.ok(shown.body.includes(NAME));
      assert.ok(shown.body.includes(CONTACT));
      await handler.client.get(url());
      assert.equal(await countAudit('case.identity-read'), before + 2);

      t.clock.advance(IDENTITY_GRANT_MS + 1000);
      // A day later everyone signs in again (sessions do not last that long).
      for (const who of [handler, sup1, sup2, outsider]) who.client = await signIn(t, who.staff);
      const later = await handler.client.get(url());
      assert.equal(later.statusCode, 200);
      assert.ok(!later.body.includes(NAME));
      assert.equal(await countAudit('case.identity-read'), before + 2);
    });

    it('consent: the reporter agrees in their mailbox and the asker sees the identity', async () => {
      await handler.client.get(url());
      assert.equal((await handler.client.postForm(`${url()}/consent`, {})).statusCode, 303);
      const reporter: HttpClient = t.client();
      await reporter.get('/report/follow-up');
      assert.equal(
        (await reporter.postForm('/report/follow-up', { code: report.receiptCode })).statusCode,
        303,
      );
      const box = await reporter.get('/report/follow-up/mailbox');
      assert.equal(box.statusCode, 200);
      assert.match(box.body, /I agree|我同意/);
      const consentId = /name="consent" value="([^"]+)"/.exec(box.body)?.[1];
      assert.ok(consentId);
      const before = await t.db.handle.db
        .selectFrom('reports')
        .select('last_reporter_activity_at')
        .where('id', '=', report.reportId)
        .executeTakeFirstOrThrow();
      t.clock.advance(60_000);
      const answer = await reporter.postForm('/report/follow-up/consent', {
        consent: consentId,
        answer: 'agree',
      });
      assert.equal(answer.statusCode, 303);
      const after = await reporter.get('/report/follow-up/mailbox');
      assert.match(after.body, /You agreed|您已于/);
      assert.ok(!after.body.includes('value="agree"'), 'answered: no more agree/refuse buttons');
      assert.ok(after.body.includes('value="withdraw"'), 'an agreement can be withdrawn');
      // Answering twice does nothing more.
      const again = await reporter.postForm('/report/follow-up/consent', {
        consent: consentId,
        answer: 'refuse',
      });
      assert.equal(again.statusCode, 409);
      const row = await t.db.handle.db
        .selectFrom('reports')
        .select('last_reporter_activity_at')
        .where('id', '=', report.reportId)
        .executeTakeFirstOrThrow();
      assert.ok(row.last_reporter_activity_at > before.last_reporter_activity_at);

      const approval = await t.db.handle.db
        .selectFrom('case_approvals')
        .selectAll()
        .where('id', '=', consentId!)
        .executeTakeFirstOrThrow();
      assert.equal(approval.status, 'approved');
      assert.equal(approval.basis, 'consent');
      assert.equal(approval.decided_by, null);
      const grant = await t.db.handle.db
        .selectFrom('identity_grants')
        .selectAll()
        .where('approval_id', '=', consentId!)
        .executeTakeFirstOrThrow();
      assert.equal(grant.staff_id, handler.staff.id);
      assert.equal(grant.expires_at - grant.granted_at, CONSENT_GRANT_MS);
      assert.ok((await handler.client.get(url())).body.includes(NAME));
      assert.ok(!(await sup1.client.get(url())).body.includes(NAME));
      assert.equal(await countAudit('case.identity-consent'), 1);
    });

    it('a grant can be ended early by a supervisor', async () => {
      const grant = await t.db.handle.db
        .selectFrom('identity_grants')
        .select('id')
        .where('staff_id', '=', handler.staff.id)
        .where('expires_at', '>', t.clock.now())
        .executeTakeFirstOrThrow();
      await sup1.client.get(url());
      const res = await sup1.client.postForm(`${url()}/grants/${grant.id}/revoke`, {});
      assert.equal(res.statusCode, 303);
      assert.ok(!(await handler.client.get(url())).body.includes(NAME));
    });

    it('the reporter can withdraw a consent: the grant ends at once and the asker is told', async () => {
      await handler.client.get(url());
      assert.equal((await handler.client.postForm(`${url()}/consent`, {})).statusCode, 303);
      const reporter: HttpClient = t.client();
      await reporter.get('/report/follow-up');
      await reporter.postForm('/report/follow-up', { code: report.receiptCode });
      const box = await reporter.get('/report/follow-up/mailbox');
      const consentId = openConsentId(box.body);
      assert.ok(consentId, 'the new request can be answered');
      await reporter.postForm('/report/follow-up/consent', { consent: consentId, answer: 'agree' });
      assert.ok((await handler.client.get(url())).body.includes(NAME));
      t.clock.advance(60_000);
      const withdrawn = await reporter.postForm('/report/follow-up/consent', {
        consent: consentId,
        answer: 'withdraw',
      });
      assert.equal(withdrawn.statusCode, 303);
      assert.match(String(withdrawn.headers.location), /m=withdrawn/);
      assert.ok(!(await handler.client.get(url())).body.includes(NAME), 'the asker no longer sees it');
      const approval = await t.db.handle.db
        .selectFrom('case_approvals')
        .select(['status', 'decided_at'])
        .where('id', '=', consentId!)
        .executeTakeFirstOrThrow();
      assert.equal(approval.status, 'withdrawn');
      const live = await t.db.handle.db
        .selectFrom('identity_grants')
        .select('id')
        .where('approval_id', '=', consentId!)
        .where('expires_at', '>', t.clock.now())
        .execute();
      assert.equal(live.length, 0);
      assert.equal(await countAudit('case.identity-consent-withdrawn'), 1);
      const notice = await t.db.handle.db
        .selectFrom('staff_notices')
        .select('kind')
        .where('staff_id', '=', handler.staff.id)
        .where('kind', '=', 'consent-withdrawn')
        .execute();
      assert.equal(notice.length, 1);
      const mailbox = await reporter.get('/report/follow-up/mailbox');
      assert.match(mailbox.body, /withdrew your consent|撤回了同意/);
      // Withdrawing twice, or a request never agreed to, is refused and changes nothing.
      const again = await reporter.postForm('/report/follow-up/consent', {
        consent: consentId,
        answer: 'withdraw',
      });
      assert.equal(again.statusCode, 409);
      assert.equal(await countAudit('case.identity-consent-withdrawn'), 1);
    });

    it('a refused consent grants nothing', async () => {
      await sup2.client.get(url());
      assert.equal((await sup2.client.postForm(`${url()}/consent`, {})).statusCode, 303);
      const reporter = t.client();
      await reporter.get('/report/follow-up');
      await reporter.postForm('/report/follow-up', { code: report.receiptCode });
      const box = await reporter.get('/report/follow-up/mailbox');
      const consentId = openConsentId(box.body);
      assert.ok(consentId);
      const res = await reporter.postForm('/report/follow-up/consent', {
        consent: consentId,
        answer: 'refuse',
      });
      assert.equal(res.statusCode, 303);
      assert.match((await reporter.get('/report/follow-up/mailbox')).body, /did not agree|未同意/);
      const grants = await t.db.handle.db
        .selectFrom('identity_grants')
        .select('id')
        .where('staff_id', '=', sup2.staff.id)
        .execute();
      assert.equal(grants.length, 0);
      assert.ok(!(await sup2.client.get(url())).body.includes(NAME));
    });

    it('puts nothing identifying in the audit log, the timeline or notices', async () => {
      const text = `${await auditText()} ${await eventsText()}`;
      for (const secret of [NAME, CONTACT, 'Reason-Marker'])
        assert.ok(!text.includes(secret), `${secret} leaked`);
      const notices = await t.db.handle.db.selectFrom('staff_notices').select('details').execute();
      assert.ok(!JSON.stringify(notices).includes('Reason-Marker'));
      const kinds = JSON.parse(await eventsText()) as { kind: string }[];
      for (const k of ['identity-requested', 'identity-approved', 'identity-read', 'identity-consent'])
        assert.ok(
          kinds.some((e) => e.kind === k),
          `timeline has ${k}`,
        );
    });

    it('says there is nothing to reveal for an anonymous report', async () => {
      const anon = await makeReport(t, channel);
      const page = await handler.client.get(`/admin/cases/${anon.reportId}/identity`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /nothing to reveal|没有可揭示/);
      assert.ok(!page.body.includes('/identity/request"'));
      const res = await handler.client.postForm(`/admin/cases/${anon.reportId}/identity/request`, {
        reason: REASON,
      });
      assert.equal(res.statusCode, 409);
    });
  });
}
