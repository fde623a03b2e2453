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
import { cjkFont } from '../../src/modules/cases/pdf.ts';
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
import { dialects, IN_CI } from '../helpers/databases.ts';

/** Every stream of a PDF, inflated where compressed. */
function pdfStreams(pdf: Buffer): string[] {
  const raw = pdf.toString('latin1');
  const out: string[] = [];
  for (const m of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let body = Buffer.from(m[1]!, 'latin1');
    try {
      body = zlib.inflateSync(body);
    } catch {
      // Not compressed.
    }
    out.push(body.toString('latin1'));
  }
  return out;
}

const utf16 = (hex: string) => Buffer.from(hex, 'hex').swap16().toString('utf16le');

/**
 * The text of a PDF as pdfkit writes it: with an embedded font (the CJK font, when the machine has
 * one) each TJ string is two-byte glyph codes that the font's ToUnicode map turns back into text;
 * with a standard font it is Latin-1.
 */
function pdfText(pdf: Buffer): string {
  const streams = pdfStreams(pdf);
  const toUnicode = new Map<number, string>();
  for (const body of streams)
    for (const block of body.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      for (const r of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*\[([^\]]*)\]/g)) {
        const lo = Number.parseInt(r[1]!, 16);
        // An entry can hold several code points (a ligature: <0066 0069>).
        [...r[3]!.matchAll(/<([0-9a-fA-F ]*)>/g)].forEach((d, i) => {
          toUnicode.set(lo + i, utf16(d[1]!.replaceAll(' ', '')));
        });
      }
    }
  const out: string[] = [];
  for (const body of streams)
    for (const tj of body.matchAll(/\[([^\]]*)\]\s*TJ/g))
      out.push(
        [...tj[1]!.matchAll(/<([0-9a-fA-F]*)>/g)]
          .map((h) => {
            if (toUnicode.size === 0) return Buffer.from(h[1]!, 'hex').toString('latin1');
            let text = '';
            for (let i = 0; i + 4 <= h[1]!.length; i += 4)
              text += toUnicode.get(Number.parseInt(h[1]!.slice(i, i + 4), 16)) ?? '';
            return text;
          })
          .join(''),
      );
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

    it('writes Chinese with the CJK font the machine has, or says in the file that it could not', async () => {
      // CI installs fonts-noto-cjk, so there the Chinese path must be the one taken.
      const font = cjkFont();
      if (IN_CI) assert.ok(font, 'CI must have a CJK font for case PDFs');
      pdfTestHooks.uncompressed = true;
      const channel = await caseChannel(t, [sup.staff.id]);
      const zh = await makeReport(t, channel, {
        lang: 'zh-CN',
        answers: { ...CASE_ANSWERS, summary: '顾问索要董事会文件', details: '对方自称尽职调查' },
      });
      sup.client.lang = 'zh-CN';
      const res = await sup.client.get(`/admin/cases/${zh.reportId}/export.pdf`);
      sup.client.lang = 'en';
      assert.equal(res.statusCode, 200);
      const text = pdfText(res.rawPayload);
      if (font) {
        assert.ok(text.includes('顾问索要董事会文件'), 'the Chinese answer is in the text');
        assert.ok(text.includes('对方自称尽职调查'));
        assert.ok(!text.includes('?????'), 'nothing fell back to question marks');
        assert.ok(!text.includes('no CJK font'), 'no fallback note when the font is there');
      } else {
        assert.ok(text.includes('no CJK font is installed'), 'the file says why Chinese is missing');
        assert.ok(!text.includes('顾问索要董事会文件'));
      }
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
        .where('target_id', '=', report.reportId)
        .execute();
      // The two exports of this case above (the Chinese one is another case).
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
