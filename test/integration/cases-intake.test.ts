/**
 * What intake sets up for the back office: the acknowledgement and feedback clocks of the
 * report's channel, and a wrap of the report's keys for the organisation recovery key when one is
 * set up (so a staff member who loses their password can be given their cases back).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { reportsOf } from '../../src/modules/reports/module.ts';
import { generateKeyPair, openWithPrivateKey } from '../../src/platform/crypto/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { caseChannel, makeReport, signedInStaff } from '../helpers/cases.ts';
import { dialects } from '../helpers/databases.ts';

const DAY = 86_400_000;

for (const dialect of await dialects()) {
  describe(`intake for the back office (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(async () => t.close());

    it("starts the channel's clocks at registration", async () => {
      const handler = await signedInStaff(t, ['handler']);
      const channel = await caseChannel(t, [handler.staff.id], { ackDays: 3, feedbackDays: 30 });
      const r = await makeReport(t, channel);
      const row = await t.db.handle.db
        .selectFrom('reports')
        .select(['registered_at', 'ack_due_at', 'feedback_due_at', 'next_due_at', 'priority', 'legal_hold'])
        .where('id', '=', r.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(Number(row.ack_due_at), Number(row.registered_at) + 3 * DAY);
      assert.equal(Number(row.feedback_due_at), Number(row.registered_at) + 30 * DAY);
      assert.equal(Number(row.next_due_at), Number(row.ack_due_at));
      assert.equal(row.priority, 2);
      assert.equal(row.legal_hold, 0);
    });

    it('seals the keys to the recovery key only once one is set up', async () => {
      const handler = await signedInStaff(t, ['handler']);
      const channel = await caseChannel(t, [handler.staff.id]);
      const before = await makeReport(t, channel, {
        identity: { mode: 'confidential', name: 'Wang Fang', contact: 'wang@example.net' },
      });
      const db = t.db.handle.db;
      const none = await db
        .selectFrom('report_recovery_wraps')
        .select('key_id')
        .where('report_id', '=', before.reportId)
        .execute();
      assert.equal(none.length, 0);

      const pair = generateKeyPair();
      const keyId = crypto.randomUUID();
      await db
        .insertInto('recovery_keys')
        .values({
          id: keyId,
          public_key: pair.publicKey,
          threshold: 2,
          share_count: 3,
          status: 'active',
          created_by: null,
          created_at: t.clock.now(),
        })
        .execute();
      reportsOf(t.app.vigil).directory.invalidate();

      const r = await makeReport(t, channel, {
        identity: { mode: 'confidential', name: 'Wang Fang', contact: 'wang@example.net' },
      });
      const wrap = await db
        .selectFrom('report_recovery_wraps')
        .selectAll()
        .where('report_id', '=', r.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(wrap.key_id, keyId);
      const viaRecovery = openWithPrivateKey(
        pair.privateKey,
        Buffer.from(wrap.wrapped_content_key),
        `report/${r.reportId}/content-key`,
      );
      const staffWrap = await db
        .selectFrom('report_key_wraps')
        .select('staff_id')
        .where('report_id', '=', r.reportId)
        .execute();
      // The recovery key is not a staff member: only the recipient holds a staff wrap.
      assert.deepEqual(
        staffWrap.map((w) => w.staff_id),
        [handler.staff.id],
      );
      assert.equal(viaRecovery.length, 32);
      assert.ok(wrap.wrapped_identity_key, 'the identity key is wrapped for recovery too');
      openWithPrivateKey(
        pair.privateKey,
        Buffer.from(wrap.wrapped_identity_key as Buffer),
        `report/${r.reportId}/identity-key`,
      );
    });

    it('gives a case registered before the recovery key its wrap when a reader opens it', async () => {
      const db = t.db.handle.db;
      await db.updateTable('recovery_keys').set({ status: 'retired' }).execute();
      reportsOf(t.app.vigil).directory.invalidate();
      const handler = await signedInStaff(t, ['handler']);
      const channel = await caseChannel(t, [handler.staff.id]);
      const old = await makeReport(t, channel);
      const pair = generateKeyPair();
      const keyId = crypto.randomUUID();
      await db
        .insertInto('recovery_keys')
        .values({
          id: keyId,
          public_key: pair.publicKey,
          threshold: 2,
          share_count: 2,
          status: 'active',
          created_by: null,
          created_at: t.clock.now(),
        })
        .execute();
      reportsOf(t.app.vigil).directory.invalidate();
      const wrapsOf = () =>
        db.selectFrom('report_recovery_wraps').selectAll().where('report_id', '=', old.reportId).execute();
      assert.equal((await wrapsOf()).length, 0);
      const page = await handler.client.get(`/admin/cases/${old.reportId}`);
      assert.equal(page.statusCode, 200);
      const [wrap] = await wrapsOf();
      assert.equal(wrap?.key_id, keyId);
      openWithPrivateKey(
        pair.privateKey,
        Buffer.from(wrap!.wrapped_content_key),
        `report/${old.reportId}/content-key`,
      );
    });
  });
}
