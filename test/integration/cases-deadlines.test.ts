/**
 * Deadline reminders and escalations: sent once each, to the assignee (or the channel's recipients
 * while nobody is assigned) and to every supervisor near or past a deadline, by e-mail over real
 * SMTP and as back-office notices; the e-mails name the reference and the deadline, nothing of the
 * report. The notices page lists them, newest first, and marks them read.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sendDeadlineReminders } from '../../src/modules/cases/deadlines.ts';
import { unreadNoticeCount } from '../../src/modules/cases/notices.routes.ts';
import { DAY_MS } from '../../src/modules/cases/workflow.ts';
import { createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import {
  CASE_ANSWERS,
  type CaseChannel,
  caseChannel,
  makeReport,
  type SignedInStaff,
  signedInStaff,
} from '../helpers/cases.ts';
import { dialects } from '../helpers/databases.ts';
import { MailSink } from '../helpers/mail-sink.ts';

for (const dialect of await dialects()) {
  describe(`case deadlines (${dialect})`, () => {
    let t: TestApp;
    let sink: MailSink;
    let handler: SignedInStaff;
    let other: SignedInStaff;
    let sup: SignedInStaff;
    let channel: CaseChannel;
    let report: { reportId: string; reference: string };
    const mailsTo = (addr: string) => sink.mails.filter((m) => m.to.includes(addr));

    before(async () => {
      sink = new MailSink();
      const port = await sink.start();
      t = await createTestApp(dialect, {
        VIGIL_PUBLIC_URL: 'https://vigil.example.org',
        VIGIL_SMTP_HOST: '127.0.0.1',
        VIGIL_SMTP_PORT: String(port),
        VIGIL_SMTP_TLS: 'none',
      });
      handler = await signedInStaff(t, ['handler'], 'dl-handler');
      other = await signedInStaff(t, ['handler'], 'dl-other');
      sup = await signedInStaff(t, ['supervisor'], 'dl-sup');
      for (const [s, email] of [
        [handler, 'handler@example.org'],
        [other, 'other@example.org'],
        [sup, 'sup@example.org'],
      ] as const)
        await t.db.handle.db.updateTable('staff').set({ email }).where('id', '=', s.staff.id).execute();
      channel = await caseChannel(t, [handler.staff.id, other.staff.id], { ackDays: 7, feedbackDays: 90 });
      report = await makeReport(t, channel);
    });
    after(async () => {
      await t.close();
      await sink.close();
    });
    beforeEach(() => sink.clear());

    it('sends nothing while the deadline is far', async () => {
      const done = await sendDeadlineReminders(t.app.vigil);
      assert.equal(done.reminders + done.escalations, 0);
      assert.equal(sink.mails.length, 0);
    });

    it('reminds the channel recipients of an unassigned case once, without content', async () => {
      t.clock.advance(5 * DAY_MS + 3_600_000);
      const done = await sendDeadlineReminders(t.app.vigil);
      assert.equal(done.reminders, 1);
      assert.equal(done.escalations, 0);
      assert.equal(mailsTo('handler@example.org').length, 1);
      assert.equal(mailsTo('other@example.org').length, 1);
      assert.equal(mailsTo('sup@example.org').length, 0);
      const mail = mailsTo('handler@example.org')[0]!;
      assert.ok(mail.subject.includes(report.reference));
      assert.match(mail.text, /acknowledgement/i);
      for (const secret of Object.values(CASE_ANSWERS))
        assert.ok(!mail.raw.includes(secret) && !mail.text.includes(secret), 'no content in the e-mail');
      sink.clear();
      const again = await sendDeadlineReminders(t.app.vigil);
      assert.equal(again.reminders + again.escalations, 0);
      assert.equal(sink.mails.length, 0);
    });

    it('escalates to supervisors within a day of the deadline, once', async () => {
      t.clock.advance(DAY_MS + 3_600_000);
      const done = await sendDeadlineReminders(t.app.vigil);
      assert.equal(done.escalations, 1);
      assert.equal(done.reminders, 0);
      assert.equal(mailsTo('sup@example.org').length, 1);
      assert.ok(mailsTo('sup@example.org')[0]!.subject.includes(report.reference));
      t.clock.advance(2 * DAY_MS);
      sink.clear();
      const later = await sendDeadlineReminders(t.app.vigil);
      assert.equal(later.reminders + later.escalations, 0);
      assert.equal(sink.mails.length, 0);
    });

    it('reminds only the assignee of the next deadline once the case moved on', async () => {
      const row = await t.db.handle.db
        .selectFrom('reports')
        .select('feedback_due_at')
        .where('id', '=', report.reportId)
        .executeTakeFirstOrThrow();
      await t.db.handle.db
        .updateTable('reports')
        .set({ status: 'acknowledged', assignee_id: handler.staff.id, next_due_at: row.feedback_due_at })
        .where('id', '=', report.reportId)
        .execute();
      t.clock.ms = Number(row.feedback_due_at) - DAY_MS - 3_600_000;
      const done = await sendDeadlineReminders(t.app.vigil);
      assert.equal(done.reminders, 1);
      assert.equal(mailsTo('handler@example.org').length, 1);
      assert.equal(mailsTo('other@example.org').length, 0);
      assert.match(mailsTo('handler@example.org')[0]!.text, /Feedback/);
    });

    it('lists notices newest first, unread highlighted, and marks them read', async () => {
      handler.client = await signIn(t, handler.staff);
      const staffId = handler.staff.id;
      assert.equal(await unreadNoticeCount(t.app.vigil, staffId), 2);
      const page = await handler.client.get('/admin/notices');
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes(report.reference));
      assert.ok(page.body.includes(`/admin/cases/${report.reportId}`));
      assert.match(page.body, /class="notice-item unread"/);
      const first =
        page.body.indexOf('Feedback') >= 0 ? page.body.indexOf('Feedback') : page.body.indexOf('反馈');
      const second = page.body.search(/acknowledgement of case|确认收悉期限/);
      assert.ok(first >= 0 && second > first, 'newest first');
      const id = /name="id" value="(\d+)"/.exec(page.body)?.[1];
      assert.ok(id);
      assert.equal((await handler.client.postForm('/admin/notices/read', { id: id! })).statusCode, 303);
      assert.equal(await unreadNoticeCount(t.app.vigil, staffId), 1);
      // Someone else's notice cannot be marked by id.
      other.client = await signIn(t, other.staff);
      await other.client.get('/admin/notices');
      await other.client.postForm('/admin/notices/read', { id: '999999' });
      assert.equal(await unreadNoticeCount(t.app.vigil, staffId), 1);
      await handler.client.get('/admin/notices');
      assert.equal((await handler.client.postForm('/admin/notices/read', { all: '1' })).statusCode, 303);
      assert.equal(await unreadNoticeCount(t.app.vigil, staffId), 0);
      assert.equal(await unreadNoticeCount(t.app.vigil, sup.staff.id), 1);
    });
  });
}
