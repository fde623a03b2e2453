/**
 * The organisation recovery key end to end: an admin sets it up (2 of 3 supervisors), a supervisor
 * who reads cases loses their password (the real reset flow) and can no longer read them; a
 * recovery is requested, one approval is not enough, the target cannot approve, the second
 * approval gives the cases back. Shares are stored sealed and one share alone opens nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isSharedWith, sessionPrivateKey } from '../../src/modules/cases/access.ts';
import { shareAad } from '../../src/modules/cases/recovery.service.ts';
import { generateKeyPair, openWithPrivateKey, publicKeyOf } from '../../src/platform/crypto/index.ts';
import { combineShares } from '../../src/platform/crypto/shamir.ts';
import { createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import { caseChannel, makeReport, type SignedInStaff, signedInStaff } from '../helpers/cases.ts';
import { dialects } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';

const NEW_PASSWORD = 'a brand new passphrase for recovery';

async function privateKeyOf(t: TestApp, client: HttpClient): Promise<Buffer> {
  const session = await t.app.vigil.sessions.load(client.cookies.get('vigil_session'));
  const key = sessionPrivateKey(session);
  assert.ok(key, 'the session carries a private key');
  return key;
}

for (const dialect of await dialects()) {
  describe(`organisation recovery key (${dialect})`, () => {
    let t: TestApp;
    let admin: SignedInStaff;
    let sups: SignedInStaff[];
    let handler: SignedInStaff;
    let oldReport: string;
    let newReport: string;

    before(async () => {
      t = await createTestApp(dialect);
      admin = await signedInStaff(t, ['admin'], 'rec-admin');
      sups = [
        await signedInStaff(t, ['supervisor'], 'rec-sup1'),
        await signedInStaff(t, ['supervisor'], 'rec-sup2'),
        await signedInStaff(t, ['supervisor'], 'rec-sup3'),
      ];
      handler = await signedInStaff(t, ['handler'], 'rec-handler');
      for (const s of [admin, ...sups, handler]) s.client.lang = 'en';
      const channel = await caseChannel(t, [sups[2]!.staff.id, handler.staff.id]);
      oldReport = (
        await makeReport(t, channel, {
          identity: { mode: 'confidential', name: 'Li Lei', contact: 'li@example.net' },
        })
      ).reportId;
      // Set up after the first report: that one has no recovery wrap until someone protects it.
      t.clock.advance(1000);
      newReport = (await makeReport(t, channel)).reportId;
    });
    after(async () => t.close());

    it('explains who can hold a share and refuses bad set-ups', async () => {
      const never = await t.app.accounts.staff.create(
        { id: null, label: 'test' },
        { username: 'rec-never', displayName: 'Never Signed In', roles: ['supervisor'] },
      );
      assert.ok(never.ok);
      const page = await admin.client.get('/admin/recovery');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /No recovery key is set up/);
      assert.match(page.body, /Never Signed In.*has not signed in yet/);
      const holders = sups.map((s) => s.staff.id);
      for (const [fields, why] of [
        [{ threshold: '1', holders }, 'threshold too low'],
        [{ threshold: '4', holders }, 'threshold above N'],
        [{ threshold: 'two', holders }, 'not a number'],
        [{ threshold: '2', holders: [holders[0]!] }, 'one holder'],
        [{ threshold: '2', holders: [holders[0]!, never.staffId] }, 'holder without a key'],
        [{ threshold: '2', holders: [holders[0]!, handler.staff.id] }, 'not a supervisor'],
      ] as const) {
        const res = await admin.client.postForm(
          '/admin/recovery/setup',
          fields as Record<string, string | string[]>,
        );
        assert.equal(res.statusCode, 400, why);
      }
      assert.equal(
        (await sups[0]!.client.postForm('/admin/recovery/setup', { threshold: '2', holders })).statusCode,
        403,
      );
      const keys = await t.db.handle.db.selectFrom('recovery_keys').selectAll().execute();
      assert.equal(keys.length, 0);
    });

    it('sets up 2 of 3 with shares sealed to each supervisor', async () => {
      await admin.client.get('/admin/recovery');
      const res = await admin.client.postForm('/admin/recovery/setup', {
        threshold: '2',
        holders: sups.map((s) => s.staff.id),
      });
      assert.equal(res.statusCode, 303);
      const db = t.db.handle.db;
      const key = await db.selectFrom('recovery_keys').selectAll().executeTakeFirstOrThrow();
      assert.equal(key.status, 'active');
      assert.equal(key.threshold, 2);
      assert.equal(key.share_count, 3);
      const shares = await db.selectFrom('recovery_shares').selectAll().orderBy('share_index').execute();
      assert.deepEqual(
        shares.map((s) => s.share_index),
        [1, 2, 3],
      );
      for (const s of shares) assert.ok(s.sealed_share.length > 33 + 32, 'a sealed box, not a bare share');
      const audit = await db
        .selectFrom('audit_log')
        .select('action')
        .where('action', '=', 'recovery.set-up')
        .execute();
      assert.equal(audit.length, 1);

      // A single supervisor opens their own share, and it opens nothing on its own.
      const sup1Key = await privateKeyOf(t, sups[0]!.client);
      const share = openWithPrivateKey(sup1Key, Buffer.from(shares[0]!.sealed_share), shareAad(key.id, 1));
      assert.equal(share.length, 33);
      assert.throws(() => combineShares([share]));
      const forged = Buffer.from(share);
      forged[0] = 9;
      for (let i = 1; i < 33; i++) forged[i] = i;
      const guess = combineShares([share, forged]);
      assert.notDeepEqual(publicKeyOf(guess), Buffer.from(key.public_key));
      // And a supervisor cannot open anyone else's share.
      assert.throws(() =>
        openWithPrivateKey(sup1Key, Buffer.from(shares[1]!.sealed_share), shareAad(key.id, 2)),
      );
    });

    it('wraps new reports at intake and old ones when a reader protects their cases', async () => {
      const db = t.db.handle.db;
      const channel = await caseChannel(t, [sups[2]!.staff.id]);
      const fresh = await makeReport(t, channel);
      const wraps = async (id: string) =>
        (await db.selectFrom('report_recovery_wraps').select('key_id').where('report_id', '=', id).execute())
          .length;
      assert.equal(await wraps(fresh.reportId), 1);
      assert.equal(await wraps(oldReport), 0);
      assert.equal(await wraps(newReport), 0);
      const page = await sups[2]!.client.get('/admin/recovery');
      assert.match(page.body, /Protect my cases/);
      const res = await sups[2]!.client.postForm('/admin/recovery/protect', {});
      assert.equal(res.statusCode, 303);
      assert.match(String(res.headers.location), /m=protected&n=2/);
      assert.equal(await wraps(oldReport), 1);
      assert.equal(await wraps(newReport), 1);
      const again = await sups[2]!.client.postForm('/admin/recovery/protect', {});
      assert.match(String(again.headers.location), /n=0/);
    });

    it('gives a supervisor who lost their password their cases back after 2 approvals', async () => {
      const db = t.db.handle.db;
      const target = sups[2]!;
      assert.equal((await target.client.get(`/admin/cases/${oldReport}/export.pdf`)).statusCode, 200);

      // A request before the person signed in again is refused: they hold no new key yet.
      const link = await t.app.accounts.staff.issueLink(
        { id: admin.staff.id, label: 'rec-admin' },
        target.staff.id,
      );
      assert.ok(link.ok);
      assert.ok((await t.app.accounts.staff.completeLink(link.token, NEW_PASSWORD)).ok);
      target.staff.password = NEW_PASSWORD;
      await admin.client.get('/admin/recovery');
      const early = await admin.client.postForm('/admin/recovery/requests', {
        target: target.staff.id,
        reason: 'Lost password',
      });
      assert.equal(early.statusCode, 400);
      assert.match(early.body, /must sign in again/);

      target.client = await signIn(t, target.staff);
      target.client.lang = 'en';
      assert.equal(await isSharedWith(db, target.staff.id, oldReport), false);
      assert.equal((await target.client.get(`/admin/cases/${oldReport}/export.pdf`)).statusCode, 404);

      const noReason = await admin.client.postForm('/admin/recovery/requests', {
        target: target.staff.id,
        reason: ' ',
      });
      assert.equal(noReason.statusCode, 400);
      const notLost = await admin.client.postForm('/admin/recovery/requests', {
        target: sups[0]!.staff.id,
        reason: 'x',
      });
      assert.equal(notLost.statusCode, 400);
      const ok = await admin.client.postForm('/admin/recovery/requests', {
        target: target.staff.id,
        reason: 'Forgot password after holiday',
      });
      assert.equal(ok.statusCode, 303);
      const dup = await admin.client.postForm('/admin/recovery/requests', {
        target: target.staff.id,
        reason: 'again',
      });
      assert.equal(dup.statusCode, 400);
      const request = await db.selectFrom('recovery_requests').selectAll().executeTakeFirstOrThrow();
      assert.equal(request.status, 'pending');
      const notices = await db
        .selectFrom('staff_notices')
        .select('staff_id')
        .where('kind', '=', 'recovery-approval')
        .execute();
      assert.deepEqual(notices.map((n) => n.staff_id).sort(), [sups[0]!.staff.id, sups[1]!.staff.id].sort());

      // The target cannot approve their own recovery; a handler cannot approve at all.
      await target.client.get('/admin/recovery');
      const self = await target.client.postForm(`/admin/recovery/requests/${request.id}/approve`, {});
      assert.equal(self.statusCode, 403);
      await handler.client.get('/admin/recovery');
      assert.equal(
        (await handler.client.postForm(`/admin/recovery/requests/${request.id}/approve`, {})).statusCode,
        403,
      );

      await sups[0]!.client.get('/admin/recovery');
      const first = await sups[0]!.client.postForm(`/admin/recovery/requests/${request.id}/approve`, {});
      assert.equal(first.statusCode, 303);
      assert.match(String(first.headers.location), /m=approved/);
      const twice = await sups[0]!.client.postForm(`/admin/recovery/requests/${request.id}/approve`, {});
      assert.equal(twice.statusCode, 409);
      assert.equal(await isSharedWith(db, target.staff.id, oldReport), false, 'one approval is not enough');
      const sealed = await db.selectFrom('recovery_approvals').selectAll().execute();
      assert.equal(sealed.length, 1);

      await sups[1]!.client.get('/admin/recovery');
      const second = await sups[1]!.client.postForm(`/admin/recovery/requests/${request.id}/approve`, {});
      assert.equal(second.statusCode, 303);
      assert.match(String(second.headers.location), /m=completed/);

      assert.equal(await isSharedWith(db, target.staff.id, oldReport), true);
      assert.equal(await isSharedWith(db, target.staff.id, newReport), true);
      assert.equal((await target.client.get(`/admin/cases/${oldReport}/export.pdf`)).statusCode, 200);
      const done = await db.selectFrom('recovery_requests').selectAll().executeTakeFirstOrThrow();
      assert.equal(done.status, 'completed');
      assert.equal((await db.selectFrom('recovery_approvals').selectAll().execute()).length, 0);
      const audit = await db
        .selectFrom('audit_log')
        .select(['action', 'details'])
        .where('action', 'like', 'recovery.%')
        .orderBy('seq')
        .execute();
      assert.deepEqual(
        audit.map((a) => a.action),
        [
          'recovery.set-up',
          'recovery.protected',
          'recovery.protected',
          'recovery.requested',
          'recovery.approved',
          'recovery.approved',
          'recovery.completed',
        ],
      );
      const completed = JSON.parse(audit.at(-1)!.details);
      assert.equal(completed.recovered, 3);
      assert.equal(completed.unrecoverable, 0);
      assert.ok(!audit.some((a) => a.details.includes('holiday')), 'the reason stays out of the audit log');
      const events = await db
        .selectFrom('case_events')
        .select('kind')
        .where('report_id', '=', oldReport)
        .execute();
      assert.ok(events.some((e) => e.kind === 'recovered'));
    });

    it('a stray key pair cannot open the recovery wraps', async () => {
      const wrap = await t.db.handle.db
        .selectFrom('report_recovery_wraps')
        .selectAll()
        .where('report_id', '=', oldReport)
        .executeTakeFirstOrThrow();
      const stray = generateKeyPair();
      assert.throws(() =>
        openWithPrivateKey(
          stray.privateKey,
          Buffer.from(wrap.wrapped_content_key),
          `report/${oldReport}/content-key`,
        ),
      );
    });
  });
}
