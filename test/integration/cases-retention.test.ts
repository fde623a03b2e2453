/**
 * Retention and purge: admins edit the days kept per outcome (others are refused); the assignee is
 * warned ahead; a reporter's reply after the conclusion postpones the purge; a legal hold blocks it;
 * the purge destroys the report, its keys and its files on disk, and keeps one non-identifying
 * statistics row; the audit entry names the reference only.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { PURGE_WARNING_MS, purgeCases, REPORTER_GRACE_MS } from '../../src/modules/cases/purge.ts';
import { DAY_MS } from '../../src/modules/cases/workflow.ts';
import { reportsOf } from '../../src/modules/reports/module.ts';
import { createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import {
  CASE_ANSWERS,
  caseChannel,
  makeReport,
  type SignedInStaff,
  signedInStaff,
} from '../helpers/cases.ts';
import { dialects } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';
import { MailSink } from '../helpers/mail-sink.ts';
import { multipartBody } from '../helpers/multipart.ts';

for (const dialect of await dialects()) {
  describe(`case retention and purge (${dialect})`, () => {
    let t: TestApp;
    let sink: MailSink;
    let admin: SignedInStaff;
    let sup: SignedInStaff;
    let handler: SignedInStaff;
    let report: { reportId: string; reference: string; receiptCode: string };
    const db = () => t.db.handle.db;
    const purgeAfter = async () =>
      Number(
        (
          await db()
            .selectFrom('reports')
            .select('purge_after')
            .where('id', '=', report.reportId)
            .executeTakeFirstOrThrow()
        ).purge_after,
      );
    const resignIn = async () => {
      for (const who of [admin, sup, handler]) who.client = await signIn(t, who.staff);
    };
    async function reporterClient(): Promise<HttpClient> {
      const c = t.client();
      await c.get('/report/follow-up');
      assert.equal((await c.postForm('/report/follow-up', { code: report.receiptCode })).statusCode, 303);
      await c.get('/report/follow-up/mailbox');
      return c;
    }

    before(async () => {
      sink = new MailSink();
      const port = await sink.start();
      t = await createTestApp(dialect, {
        VIGIL_SMTP_HOST: '127.0.0.1',
        VIGIL_SMTP_PORT: String(port),
        VIGIL_SMTP_TLS: 'none',
      });
      admin = await signedInStaff(t, ['admin'], 'ret-admin');
      sup = await signedInStaff(t, ['supervisor'], 'ret-sup');
      handler = await signedInStaff(t, ['handler'], 'ret-handler');
      await db()
        .updateTable('staff')
        .set({ email: 'handler@example.org' })
        .where('id', '=', handler.staff.id)
        .execute();
      const channel = await caseChannel(t, [sup.staff.id, handler.staff.id]);
      report = await makeReport(t, channel);
      // The reporter adds a file: a sealed file on disk that the purge must remove.
      const c = await reporterClient();
      const { body, contentType } = multipartBody([
        ['_csrf', c.csrf ?? ''],
        ['text', 'One more thing'],
        ['files', { filename: 'note.txt', content: 'plain text evidence', type: 'text/plain' }],
      ]);
      assert.equal((await c.postRaw('/report/follow-up/reply', body, contentType)).statusCode, 303);
      const now = t.clock.now();
      await db()
        .updateTable('reports')
        .set({
          status: 'concluded',
          concluded_at: now,
          acknowledged_at: now - 3_600_000,
          outcome: 'duplicate',
          purge_after: now + 90 * DAY_MS,
          next_due_at: null,
          assignee_id: handler.staff.id,
        })
        .where('id', '=', report.reportId)
        .execute();
    });
    after(async () => {
      await t.close();
      await sink.close();
    });

    it('lets admins edit the days kept per outcome, and only admins', async () => {
      const page = await admin.client.get('/admin/retention');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /name="days.duplicate" type="text" inputmode="numeric" value="90"/);
      const version = /name="version.duplicate" value="(\d+)"/.exec(page.body)?.[1];
      const fields: Record<string, string> = {};
      for (const m of page.body.matchAll(/name="((?:days|version)\.[a-z-]+)"[^>]*value="(\d+)"/g))
        fields[m[1]!] = m[2]!;
      const bad = await admin.client.postForm('/admin/retention', { ...fields, 'days.duplicate': '0' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /value="0"/);
      const ok = await admin.client.postForm('/admin/retention', { ...fields, 'days.duplicate': '120' });
      assert.equal(ok.statusCode, 303);
      const rule = await db()
        .selectFrom('retention_rules')
        .selectAll()
        .where('outcome', '=', 'duplicate')
        .executeTakeFirstOrThrow();
      assert.equal(rule.days, 120);
      assert.equal(rule.version, Number(version) + 1);
      // The old version again: stale, nothing written, the typed number kept.
      await admin.client.get('/admin/retention');
      const stale = await admin.client.postForm('/admin/retention', { ...fields, 'days.duplicate': '150' });
      assert.equal(stale.statusCode, 409);
      assert.match(stale.body, /value="150"/);
      assert.equal(
        (
          await db()
            .selectFrom('retention_rules')
            .select('days')
            .where('outcome', '=', 'duplicate')
            .executeTakeFirstOrThrow()
        ).days,
        120,
      );
      assert.equal((await sup.client.get('/admin/retention')).statusCode, 403);
      assert.equal((await handler.client.postForm('/admin/retention', fields)).statusCode, 403);
    });

    it('warns the assignee ahead of the purge, once', async () => {
      t.clock.ms = (await purgeAfter()) - PURGE_WARNING_MS + 3_600_000;
      const done = await purgeCases(t.app.vigil);
      assert.equal(done.warned, 1);
      assert.equal(done.purged, 0);
      const notices = await db()
        .selectFrom('staff_notices')
        .select(['staff_id', 'kind'])
        .where('kind', '=', 'purge-warning')
        .execute();
      assert.deepEqual(notices, [{ staff_id: handler.staff.id, kind: 'purge-warning' }]);
      assert.equal(sink.mails.length, 1);
      assert.ok(sink.mails[0]!.subject.includes(report.reference));
      assert.equal((await purgeCases(t.app.vigil)).warned, 0);
    });

    it('postpones the purge when the reporter writes after the conclusion', async () => {
      const before = await purgeAfter();
      const c = await reporterClient();
      const { body, contentType } = multipartBody([
        ['_csrf', c.csrf ?? ''],
        ['text', 'Is there any news?'],
      ]);
      assert.equal((await c.postRaw('/report/follow-up/reply', body, contentType)).statusCode, 303);
      const done = await purgeCases(t.app.vigil);
      assert.equal(done.postponed, 1);
      assert.equal(await purgeAfter(), t.clock.now() + REPORTER_GRACE_MS);
      assert.ok((await purgeAfter()) > before);
    });

    it('does not purge a case under legal hold; supervisors who can read it set and clear the hold', async () => {
      await resignIn();
      const url = `/admin/cases/${report.reportId}/hold`;
      assert.equal((await handler.client.get(url)).statusCode, 403);
      const page = await sup.client.get(url);
      assert.equal(page.statusCode, 200);
      const version = /name="version" value="(\d+)"/.exec(page.body)?.[1] ?? '';
      const short = await sup.client.postForm(url, { on: '1', version, reason: 'no' });
      assert.equal(short.statusCode, 400);
      const reason = 'Court order 2026-HOLD-Marker keeps this file';
      assert.equal((await sup.client.postForm(url, { on: '1', version, reason })).statusCode, 303);
      // The same form again (old version): 409, text kept.
      await sup.client.get(url);
      const stale = await sup.client.postForm(url, { on: '1', version, reason });
      assert.equal(stale.statusCode, 409);
      assert.ok(stale.body.includes('2026-HOLD-Marker'));
      const audit = await db().selectFrom('audit_log').select(['action', 'details']).execute();
      assert.ok(audit.some((a) => a.action === 'case.legal-hold-set'));
      assert.ok(!JSON.stringify(audit).includes('HOLD-Marker'));

      t.clock.ms = (await purgeAfter()) + DAY_MS;
      await resignIn();
      const held = await purgeCases(t.app.vigil);
      assert.equal(held.purged, 0);
      assert.ok(
        await db().selectFrom('reports').select('id').where('id', '=', report.reportId).executeTakeFirst(),
      );

      const again = await sup.client.get(url);
      const v2 = /name="version" value="(\d+)"/.exec(again.body)?.[1] ?? '';
      assert.equal(
        (await sup.client.postForm(url, { on: '0', version: v2, reason: 'Proceedings are closed now' }))
          .statusCode,
        303,
      );
    });

    it('purges: report, keys and files gone, statistics kept, audit names the reference only', async () => {
      const fileIds = (
        await db().selectFrom('report_files').select('id').where('report_id', '=', report.reportId).execute()
      ).map((f) => f.id);
      assert.equal(fileIds.length, 1);
      const store = reportsOf(t.app.vigil).attachments;
      assert.ok(fs.existsSync(store.pathOf(fileIds[0]!)));
      const done = await purgeCases(t.app.vigil);
      assert.equal(done.purged, 1);
      assert.equal(fs.existsSync(store.pathOf(fileIds[0]!)), false);
      for (const table of [
        'reports',
        'report_key_wraps',
        'report_messages',
        'report_files',
        'case_events',
        'case_notes',
        'case_reminders',
        'staff_notices',
      ] as const) {
        const col = table === 'reports' ? 'id' : 'report_id';
        const rows = await db()
          .selectFrom(table)
          .select(col as never)
          .where(col as never, '=', report.reportId as never)
          .execute();
        assert.equal(rows.length, 0, `${table} emptied`);
      }
      const stats = await db().selectFrom('case_statistics').selectAll().execute();
      assert.equal(stats.length, 1);
      assert.equal(stats[0]!.outcome, 'duplicate');
      assert.equal(stats[0]!.registered_day % DAY_MS, 0);
      assert.equal(stats[0]!.ack_met, 1);
      const audit = await db()
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'case.purged')
        .executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(audit.details), { reference: report.reference });
      const everything = JSON.stringify(await db().selectFrom('audit_log').selectAll().execute());
      for (const secret of Object.values(CASE_ANSWERS)) assert.ok(!everything.includes(secret));
      assert.equal((await purgeCases(t.app.vigil)).purged, 0);
    });
  });
}
