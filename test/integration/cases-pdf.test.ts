/**
 * The PDF of one case: supervisors the case is shared with get it (answers, messages, notes,
 * timeline, never the identity), as an attachment that is not cached; handlers are refused,
 * supervisors it is not shared with get a 404; every export is audited.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { openCaseKeys, sessionPrivateKey } from '../../src/modules/cases/access.ts';
import { pdfTestHooks } from '../../src/modules/cases/pdf.routes.ts';
import { followUpOf } from '../../src/modules/reports/followup.service.ts';
import { reportsOf } from '../../src/modules/reports/module.ts';
import { seal } from '../../src/platform/crypto/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import {
  CASE_ANSWERS,
  caseChannel,
  makeReport,
  type SignedInStaff,
  signedInStaff,
} from '../helpers/cases.ts';
import { dialects } from '../helpers/databases.ts';

/** The text pdfkit wrote with a standard font: every hex string of every TJ, decoded (Latin-1). */
function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const out: string[] = [];
  for (const m of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let body = Buffer.from(m[1]!, 'latin1');
    try {
      body = zlib.inflateSync(body);
    } catch {
      // Not compressed.
    }
    for (const tj of body.toString('latin1').matchAll(/\[([^\]]*)\]\s*TJ/g))
      out.push(
        [...tj[1]!.matchAll(/<([0-9a-fA-F]*)>/g)]
          .map((h) => Buffer.from(h[1]!, 'hex').toString('latin1'))
          .join(''),
      );
  }
  return out.join('\n');
}

for (const dialect of await dialects()) {
  describe(`case PDF (${dialect})`, () => {
    let t: TestApp;
    let sup: SignedInStaff;
    let other: SignedInStaff;
    let handler: SignedInStaff;
    let report: { reportId: string; reference: string };

    before(async () => {
      t = await createTestApp(dialect);
      sup = await signedInStaff(t, ['supervisor'], 'pdf-sup');
      other = await signedInStaff(t, ['supervisor'], 'pdf-other');
      handler = await signedInStaff(t, ['handler'], 'pdf-handler');
      sup.client.lang = 'en';
      const channel = await caseChannel(t, [sup.staff.id, handler.staff.id]);
      report = await makeReport(t, channel, {
        identity: { mode: 'named', name: 'Wang Fang', contact: 'wang.fang@example.net' },
      });
      const session = await t.app.vigil.sessions.load(sup.client.cookies.get('vigil_session'));
      const keys = await openCaseKeys(
        t.db.handle.db,
        sup.staff.id,
        sessionPrivateKey(session),
        report.reportId,
      );
      assert.ok(keys);
      const ctx = t.app.vigil;
      await followUpOf(ctx, reportsOf(ctx)).addStaffMessage(
        report.reportId,
        keys.contentKey,
        sup.staff.id,
        'Could you say which month this was?',
        'question',
      );
      await t.db.handle.db
        .insertInto('case_notes')
        .values({
          id: 'note-1',
          report_id: report.reportId,
          staff_id: sup.staff.id,
          sealed_body: seal(
            keys.contentKey,
            Buffer.from(JSON.stringify({ text: 'Check the visitor log first.' })),
            `report/${report.reportId}/note/note-1`,
          ),
          created_at: t.clock.now(),
        })
        .execute();
      await t.db.handle.db
        .insertInto('case_labels')
        .values({ report_id: report.reportId, label: 'board', registered_at: t.clock.now() })
        .execute();
    });
    after(async () => {
      pdfTestHooks.uncompressed = false;
      await t.close();
    });

    it('gives a supervisor the case as a PDF, without the identity', async () => {
      pdfTestHooks.uncompressed = true;
      const res = await sup.client.get(`/admin/cases/${report.reportId}/export.pdf`);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/pdf');
      assert.match(
        String(res.headers['content-disposition']),
        /^attachment; filename="case-[A-Za-z0-9-]+\.pdf"$/,
      );
      assert.equal(res.headers['cache-control'], 'no-store');
      const pdf = res.rawPayload;
      assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
      assert.ok(pdf.toString('latin1').includes(report.reference), 'the reference is in the document title');
      const text = pdfText(pdf);
      assert.ok(text.includes(report.reference));
      assert.ok(text.includes(CASE_ANSWERS.summary), 'the answers');
      assert.ok(text.includes('Could you say which month'), 'the messages');
      assert.ok(text.includes('Check the visitor log first.'), 'the internal notes');
      assert.ok(text.includes('board'), 'the labels');
      assert.ok(text.includes('Acknowledgement due'), 'the deadlines');
      assert.ok(
        !text.includes('Wang Fang') && !pdf.toString('latin1').includes('Wang Fang'),
        'never the identity',
      );
      assert.ok(!text.includes('wang.fang@example.net'));
    });

    it('compresses by default', async () => {
      pdfTestHooks.uncompressed = false;
      const res = await sup.client.get(`/admin/cases/${report.reportId}/export.pdf`);
      assert.equal(res.statusCode, 200);
      assert.ok(res.rawPayload.toString('latin1').includes('/FlateDecode'));
      assert.ok(pdfText(res.rawPayload).includes(CASE_ANSWERS.summary));
    });

    it('refuses handlers and supervisors the case is not shared with', async () => {
      assert.equal((await handler.client.get(`/admin/cases/${report.reportId}/export.pdf`)).statusCode, 403);
      assert.equal((await other.client.get(`/admin/cases/${report.reportId}/export.pdf`)).statusCode, 404);
      assert.equal((await other.client.get('/admin/cases/no-such-case/export.pdf')).statusCode, 404);
      assert.equal((await t.client().get(`/admin/cases/${report.reportId}/export.pdf`)).statusCode, 303);
    });

    it('audits every export and notes it on the timeline', async () => {
      const db = t.db.handle.db;
      const audit = await db
        .selectFrom('audit_log')
        .select(['actor_id', 'target_id', 'details'])
        .where('action', '=', 'case.pdf-exported')
        .execute();
      assert.equal(audit.length, 2);
      for (const a of audit) {
        assert.equal(a.actor_id, sup.staff.id);
        assert.equal(a.target_id, report.reportId);
      }
      const events = await db
        .selectFrom('case_events')
        .select('kind')
        .where('report_id', '=', report.reportId)
        .where('kind', '=', 'pdf-exported')
        .execute();
      assert.equal(events.length, 2);
    });
  });
}
