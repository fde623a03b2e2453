/**
 * The case page and the workflow: who reads what (need-to-know), sharing by re-wrapping, reads
 * audited, notes kept from the reporter, messages and questions reaching the mailbox, stage moves
 * with reasons, conclusion with four-eyes approval, optimistic concurrency that keeps the text, and
 * nothing readable in the database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { followUpOf } from '../../src/modules/reports/followup.service.ts';
import { reportsOf } from '../../src/modules/reports/module.ts';
import { newDataKey } from '../../src/platform/crypto/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { CASE_ANSWERS, type CaseChannel, caseChannel, makeReport, signedInStaff } from '../helpers/cases.ts';
import { dialects } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';

const DAY = 86_400_000;

function versionOf(body: string): string {
  const m = /name="version" value="(\d+)"/.exec(body);
  assert.ok(m, 'the page has a version field');
  return m[1]!;
}

/** Opens the case page and posts one of its forms with the page's version. */
async function act(c: HttpClient, reportId: string, action: string, fields: Record<string, string>) {
  const page = await c.get(`/admin/cases/${reportId}`);
  assert.equal(page.statusCode, 200, page.body.slice(0, 300));
  return c.postForm(`/admin/cases/${reportId}/${action}`, { version: versionOf(page.body), ...fields });
}

async function auditActions(t: TestApp, reportId: string): Promise<string[]> {
  const rows = await t.db.handle.db
    .selectFrom('audit_log')
    .select('action')
    .where('target_id', '=', reportId)
    .orderBy('seq')
    .execute();
  return rows.map((r) => r.action);
}

async function mailboxOf(t: TestApp, receiptCode: string) {
  const f = followUpOf(t.app.vigil, reportsOf(t.app.vigil));
  const signed = await f.signIn(receiptCode);
  assert.ok(signed.ok);
  const box = await f.mailbox(signed.session, 'en');
  assert.ok(box);
  return box;
}

for (const dialect of await dialects()) {
  describe(`the case page (${dialect})`, () => {
    let t: TestApp;
    let handler: Awaited<ReturnType<typeof signedInStaff>>;
    let other: Awaited<ReturnType<typeof signedInStaff>>;
    let sup1: Awaited<ReturnType<typeof signedInStaff>>;
    let sup2: Awaited<ReturnType<typeof signedInStaff>>;
    let channel: CaseChannel;

    before(async () => {
      t = await createTestApp(dialect);
      handler = await signedInStaff(t, ['handler']);
      other = await signedInStaff(t, ['handler']);
      sup1 = await signedInStaff(t, ['supervisor']);
      sup2 = await signedInStaff(t, ['supervisor']);
      // Reports are sealed to the handler and the first supervisor only.
      for (const s of [handler, other, sup1, sup2]) s.client.lang = 'en';
      channel = await caseChannel(t, [handler.staff.id, sup1.staff.id]);
    });
    after(async () => t.close());

    it('shows the shared reader the answers, files, thread and notes, and audits every read', async () => {
      const s = reportsOf(t.app.vigil);
      const key = newDataKey();
      const sink = s.attachments.sink(key, 'évidence "one".txt');
      await sink.write(Buffer.from('the ledger shows the transfer\n'));
      const stored = await sink.finish();
      assert.ok(stored.stored);
      const r = await makeReport(t, channel, { files: [stored.stored], contentKey: key });

      const page = await handler.client.get(`/admin/cases/${r.reportId}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, new RegExp(r.reference));
      assert.match(page.body, /Consultant asked for the board papers/);
      assert.match(page.body, /Thank you\. Your report has been received/);
      const link = new RegExp(`/admin/cases/${r.reportId}/files/([0-9a-f-]{36})`).exec(page.body);
      assert.ok(link, 'a download link');
      const file = await handler.client.get(link[0]);
      assert.equal(file.statusCode, 200);
      assert.equal(file.body, 'the ledger shows the transfer\n');
      assert.match(String(file.headers['content-disposition']), /^attachment; filename="/);
      assert.match(
        String(file.headers['content-disposition']),
        /filename\*=UTF-8''%C3%A9vidence%20%22one%22\.txt/,
      );

      const res = await act(handler.client, r.reportId, 'notes', {
        note: 'Internal: check the ledger first',
      });
      assert.equal(res.statusCode, 303);
      const again = await handler.client.get(`/admin/cases/${r.reportId}`);
      assert.match(again.body, /Internal: check the ledger first/);
      assert.match(again.body, /Never shown to the reporter/);

      const actions = await auditActions(t, r.reportId);
      assert.ok(actions.filter((a) => a === 'case.read').length >= 3);
      assert.ok(actions.includes('case.file-read'));
      assert.ok(actions.includes('case.note-added'));
      const details = await t.db.handle.db
        .selectFrom('audit_log')
        .select('details')
        .where('target_id', '=', r.reportId)
        .execute();
      for (const d of details) {
        assert.doesNotMatch(String(d.details), /ledger|Consultant/);
      }
    });

    it('hides the case from an unshared handler and shows a supervisor the metadata only', async () => {
      const r = await makeReport(t, channel);
      const res = await other.client.get(`/admin/cases/${r.reportId}`);
      assert.equal(res.statusCode, 404);
      assert.doesNotMatch(res.body, new RegExp(r.reference));
      const post = await other.client.postForm(`/admin/cases/${r.reportId}/notes`, {
        version: '1',
        note: 'x',
      });
      assert.equal(post.statusCode, 404);

      const meta = await sup2.client.get(`/admin/cases/${r.reportId}`);
      assert.equal(meta.statusCode, 200);
      assert.match(meta.body, new RegExp(r.reference));
      assert.match(meta.body, /Not shared with you/);
      assert.doesNotMatch(meta.body, /Consultant asked/);
      const note = await sup2.client.postForm(`/admin/cases/${r.reportId}/notes`, {
        version: '1',
        note: 'sneaky',
      });
      assert.equal(note.statusCode, 403);
      assert.match(note.body, /not shared with you/);
    });

    it('shares by re-wrapping the keys so the new reader can read, audited with the recipient', async () => {
      const r = await makeReport(t, channel);
      const res = await act(sup1.client, r.reportId, 'share', { staffId: other.staff.id });
      assert.equal(res.statusCode, 303);
      const page = await other.client.get(`/admin/cases/${r.reportId}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Consultant asked for the board papers/);
      const entry = await t.db.handle.db
        .selectFrom('audit_log')
        .select('details')
        .where('target_id', '=', r.reportId)
        .where('action', '=', 'case.shared')
        .executeTakeFirstOrThrow();
      assert.match(String(entry.details), new RegExp(other.staff.id));
      assert.match(page.body, /shared the case with/);

      // A handler cannot share.
      const refused = await act(handler.client, r.reportId, 'share', { staffId: sup2.staff.id });
      assert.equal(refused.statusCode, 403);
    });

    it('assigns only to a handler or supervisor with a key, sharing the case with them', async () => {
      const r = await makeReport(t, channel);
      const fresh = await import('../helpers/app.ts').then((m) =>
        m.createStaff(t, 'nokey-handler', ['handler']),
      );
      const noKey = await act(sup1.client, r.reportId, 'assign', { assignee: fresh.id });
      assert.equal(noKey.statusCode, 409);
      assert.match(noKey.body, /has not signed in yet/);
      const ok = await act(sup1.client, r.reportId, 'assign', { assignee: sup2.staff.id });
      assert.equal(ok.statusCode, 303);
      const row = await t.db.handle.db
        .selectFrom('reports')
        .select('assignee_id')
        .where('id', '=', r.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(row.assignee_id, sup2.staff.id);
      const page = await sup2.client.get(`/admin/cases/${r.reportId}`);
      assert.match(page.body, /Consultant asked/);
      const byHandler = await act(handler.client, r.reportId, 'assign', { assignee: handler.staff.id });
      assert.equal(byHandler.statusCode, 403);
    });

    it('sends messages and questions to the mailbox, never notes; the first reply is timed', async () => {
      const r = await makeReport(t, channel);
      assert.equal(
        (await act(handler.client, r.reportId, 'notes', { note: 'NOTE-SECRET-42' })).statusCode,
        303,
      );
      t.clock.advance(60_000);
      const msg = await act(handler.client, r.reportId, 'messages', {
        message: 'Thank you, we are on it',
        kind: 'message',
      });
      assert.equal(msg.statusCode, 303);
      const q = await act(handler.client, r.reportId, 'messages', {
        message: 'When did it happen?',
        kind: 'question',
      });
      assert.equal(q.statusCode, 303);
      const box = await mailboxOf(t, r.receiptCode);
      const texts = box.messages.map((m) => m.text);
      assert.ok(texts.includes('Thank you, we are on it'));
      assert.ok(box.messages.some((m) => m.kind === 'question' && m.text === 'When did it happen?'));
      assert.ok(!JSON.stringify(box).includes('NOTE-SECRET-42'));
      const row = await t.db.handle.db
        .selectFrom('reports')
        .select(['first_reply_at', 'registered_at'])
        .where('id', '=', r.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(Number(row.first_reply_at), Number(row.registered_at) + 60_000);
    });

    it('moves through the stages, refusing invalid moves with a reason', async () => {
      const r = await makeReport(t, channel);
      const skip = await act(handler.client, r.reportId, 'stage', { to: 'assessing' });
      assert.equal(skip.statusCode, 409);
      assert.match(skip.body, /A case must be acknowledged before it is assessed/);
      const early = await act(handler.client, r.reportId, 'conclude', {
        outcome: 'duplicate',
        reason: 'dup',
      });
      assert.equal(early.statusCode, 409);
      assert.match(early.body, /must be assessed before it is concluded/);
      assert.match(early.body, />dup</, 'the reason typed is kept');

      t.clock.advance(300_000);
      const ack = await act(handler.client, r.reportId, 'stage', {
        to: 'acknowledged',
        sendAck: '1',
        ackShown: '1',
      });
      assert.equal(ack.statusCode, 303);
      const row = await t.db.handle.db
        .selectFrom('reports')
        .select(['status', 'acknowledged_at', 'registered_at', 'next_due_at', 'feedback_due_at'])
        .where('id', '=', r.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'acknowledged');
      assert.equal(Number(row.acknowledged_at), Number(row.registered_at) + 300_000);
      assert.equal(Number(row.next_due_at), Number(row.feedback_due_at));
      const box = await mailboxOf(t, r.receiptCode);
      assert.ok(box.messages.some((m) => m.kind === 'acknowledgement' && m.author === 'staff'));

      const back = await act(handler.client, r.reportId, 'stage', { to: 'received' });
      assert.equal(back.statusCode, 409);
      assert.match(back.body, /cannot go back to received/);
      const bad = await act(handler.client, r.reportId, 'stage', { to: 'nowhere' });
      assert.equal(bad.statusCode, 400);
      assert.equal((await act(handler.client, r.reportId, 'stage', { to: 'assessing' })).statusCode, 303);
      assert.equal((await act(handler.client, r.reportId, 'stage', { to: 'addressing' })).statusCode, 303);
      const events = await t.db.handle.db
        .selectFrom('case_events')
        .select('kind')
        .where('report_id', '=', r.reportId)
        .execute();
      assert.equal(events.filter((e) => e.kind === 'moved').length, 3);
    });

    it('concludes directly with a retention period from the rules', async () => {
      const r = await makeReport(t, channel);
      for (const to of ['acknowledged', 'assessing'])
        assert.equal((await act(handler.client, r.reportId, 'stage', { to })).statusCode, 303);
      const missing = await act(handler.client, r.reportId, 'conclude', {
        outcome: 'duplicate',
        reason: ' ',
      });
      assert.equal(missing.statusCode, 400);
      const res = await act(handler.client, r.reportId, 'conclude', {
        outcome: 'duplicate',
        reason: 'Same facts as the earlier report',
      });
      assert.equal(res.statusCode, 303);
      const row = await t.db.handle.db
        .selectFrom('reports')
        .select(['status', 'outcome', 'concluded_at', 'purge_after', 'next_due_at', 'sealed_conclusion'])
        .where('id', '=', r.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'concluded');
      assert.equal(row.outcome, 'duplicate');
      assert.equal(row.next_due_at, null);
      assert.equal(Number(row.purge_after), Number(row.concluded_at) + 90 * DAY);
      assert.ok(!Buffer.from(row.sealed_conclusion!).toString('latin1').includes('Same facts'));
      const page = await handler.client.get(`/admin/cases/${r.reportId}`);
      assert.match(page.body, /Same facts as the earlier report/);
    });

    it('needs another supervisor to approve a consequential outcome; refuses the requester and assignee', async () => {
      const r = await makeReport(t, channel);
      await act(sup1.client, r.reportId, 'share', { staffId: sup2.staff.id });
      await act(sup1.client, r.reportId, 'assign', { assignee: handler.staff.id });
      for (const to of ['acknowledged', 'assessing'])
        assert.equal((await act(handler.client, r.reportId, 'stage', { to })).statusCode, 303);
      const req = await act(sup1.client, r.reportId, 'conclude', {
        outcome: 'false-or-malicious',
        reason: 'The documents were forged',
      });
      assert.equal(req.statusCode, 303);
      const page = await sup1.client.get(`/admin/cases/${r.reportId}`);
      assert.match(page.body, /Waiting for a supervisor’s approval/);
      const approval = await t.db.handle.db
        .selectFrom('case_approvals')
        .select(['id', 'status'])
        .where('report_id', '=', r.reportId)
        .executeTakeFirstOrThrow();
      const notices = await t.db.handle.db
        .selectFrom('staff_notices')
        .select('staff_id')
        .where('report_id', '=', r.reportId)
        .where('kind', '=', 'approval-needed')
        .execute();
      assert.ok(notices.some((n) => n.staff_id === sup2.staff.id));
      assert.ok(!notices.some((n) => n.staff_id === sup1.staff.id));

      const own = await act(sup1.client, r.reportId, `approvals/${approval.id}`, { decision: 'approve' });
      assert.equal(own.statusCode, 403);
      assert.match(own.body, /a supervisor other than you must approve/);
      const still = await t.db.handle.db
        .selectFrom('reports')
        .select('status')
        .where('id', '=', r.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(still.status, 'assessing');

      const ok = await act(sup2.client, r.reportId, `approvals/${approval.id}`, { decision: 'approve' });
      assert.equal(ok.statusCode, 303);
      const row = await t.db.handle.db
        .selectFrom('reports')
        .select(['status', 'outcome', 'purge_after', 'concluded_at'])
        .where('id', '=', r.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'concluded');
      assert.equal(row.outcome, 'false-or-malicious');
      assert.equal(Number(row.purge_after), Number(row.concluded_at) + 1825 * DAY);
      const done = await sup2.client.get(`/admin/cases/${r.reportId}`);
      assert.match(done.body, /The documents were forged/);
    });

    it('refuses the assignee as approver', async () => {
      const r = await makeReport(t, channel);
      await act(sup1.client, r.reportId, 'share', { staffId: sup2.staff.id });
      await act(sup1.client, r.reportId, 'assign', { assignee: sup2.staff.id });
      for (const to of ['acknowledged', 'assessing'])
        assert.equal((await act(handler.client, r.reportId, 'stage', { to })).statusCode, 303);
      assert.equal(
        (await act(handler.client, r.reportId, 'conclude', { outcome: 'substantiated', reason: 'Proven' }))
          .statusCode,
        303,
      );
      const approval = await t.db.handle.db
        .selectFrom('case_approvals')
        .select('id')
        .where('report_id', '=', r.reportId)
        .executeTakeFirstOrThrow();
      const res = await act(sup2.client, r.reportId, `approvals/${approval.id}`, { decision: 'approve' });
      assert.equal(res.statusCode, 403);
      assert.match(res.body, /assignee/);
      const refuse = await act(sup1.client, r.reportId, `approvals/${approval.id}`, { decision: 'refuse' });
      assert.equal(refuse.statusCode, 303);
      const row = await t.db.handle.db
        .selectFrom('case_approvals')
        .select('status')
        .where('id', '=', approval.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'refused');
    });

    it('answers a stale form with 409 and keeps the text', async () => {
      const r = await makeReport(t, channel);
      const page = await handler.client.get(`/admin/cases/${r.reportId}`);
      const version = versionOf(page.body);
      assert.equal((await act(sup1.client, r.reportId, 'priority', { priority: '4' })).statusCode, 303);
      await handler.client.get(`/admin/cases/${r.reportId}`);
      const res = await handler.client.postForm(`/admin/cases/${r.reportId}/notes`, {
        version,
        note: 'My long careful note <b>kept</b>',
      });
      assert.equal(res.statusCode, 409);
      assert.match(
        res.body,
        /Someone else changed this case while you were editing; your text is kept below/,
      );
      assert.match(res.body, /My long careful note &lt;b&gt;kept&lt;\/b&gt;/);
      const notes = await t.db.handle.db
        .selectFrom('case_notes')
        .select('id')
        .where('report_id', '=', r.reportId)
        .execute();
      assert.equal(notes.length, 0);
    });

    it('labels, links by reference (both directions) and unlinks', async () => {
      const a = await makeReport(t, channel);
      const b = await makeReport(t, channel);
      assert.equal(
        (await act(handler.client, a.reportId, 'labels', { label: '  Fraud   ring ' })).statusCode,
        303,
      );
      const unknown = await act(handler.client, a.reportId, 'links', { reference: 'R-NONE-0000' });
      assert.equal(unknown.statusCode, 422);
      assert.match(unknown.body, /No case has this reference/);
      assert.equal(
        (await act(handler.client, a.reportId, 'links', { reference: b.reference.toLowerCase() })).statusCode,
        303,
      );
      const pageB = await handler.client.get(`/admin/cases/${b.reportId}`);
      assert.match(pageB.body, new RegExp(a.reference));
      const pageA = await handler.client.get(`/admin/cases/${a.reportId}`);
      assert.match(pageA.body, /Fraud ring/);
      assert.equal(
        (await act(handler.client, b.reportId, 'links/remove', { linkedId: a.reportId })).statusCode,
        303,
      );
      const links = await t.db.handle.db
        .selectFrom('case_links')
        .select('report_id')
        .where('report_id', '=', a.reportId)
        .execute();
      assert.equal(links.length, 0);
      assert.equal(
        (await act(handler.client, a.reportId, 'labels/remove', { label: 'Fraud ring' })).statusCode,
        303,
      );
    });

    it('keeps notes, conclusions and messages sealed in the database', async () => {
      const r = await makeReport(t, channel);
      await act(handler.client, r.reportId, 'notes', { note: 'PLAINTEXT-CANARY-NOTE' });
      await act(handler.client, r.reportId, 'messages', { message: 'PLAINTEXT-CANARY-MSG', kind: 'message' });
      const tables = ['case_notes', 'report_messages', 'case_events', 'audit_log', 'reports'] as const;
      for (const table of tables) {
        const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(
          t.db.handle.db,
        );
        const dump = JSON.stringify(rows.rows, (_k, v) =>
          v && typeof v === 'object' && (v.type === 'Buffer' || v instanceof Uint8Array)
            ? Buffer.from(v.data ?? v).toString('latin1')
            : v,
        );
        assert.ok(!dump.includes('PLAINTEXT-CANARY'), `${table} holds no plaintext`);
        assert.ok(!dump.includes(CASE_ANSWERS.summary), `${table} holds no answers`);
      }
    });
  });
}
