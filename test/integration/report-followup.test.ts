/**
 * The reporter's follow-up mailbox: the receipt code (forgiving entry) opens it, wrong codes are
 * throttled for everyone without storing who tried, the thread shows the acknowledgement and
 * staff questions, and what the reporter adds is stored sealed, readable with the recipients' key.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { followUpOf } from '../../src/modules/reports/followup.service.ts';
import { openMessage } from '../../src/modules/reports/intake.service.ts';
import { reportsOf } from '../../src/modules/reports/module.ts';
import { formatReceiptCode, newReceiptCode } from '../../src/modules/reports/receipt.ts';
import { open } from '../../src/platform/crypto/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';
import { multipartBody, type Part } from '../helpers/multipart.ts';
import { contentKeyFor, openReportChannel, type ReportChannelFixture } from '../helpers/reports.ts';

/** The code as someone might type it: lower case, grouped, with 0 and 1 written as o, i or l. */
function sloppy(code: string): string {
  return formatReceiptCode(code)
    .toLowerCase()
    .replace(/0/g, 'o')
    .replace(/1/g, (_, i: number) => (i % 2 ? 'i' : 'L'));
}

function cookieLine(res: { headers: Record<string, unknown> }, name: string): string | undefined {
  const set = res.headers['set-cookie'];
  const lines = Array.isArray(set) ? set : set ? [String(set)] : [];
  return lines.find((l: string) => l.startsWith(`${name}=`));
}

async function submitReport(t: TestApp, fx: ReportChannelFixture, marker: string) {
  const r = reportsOf(t.app.vigil);
  return r.intake.submit({
    questionnaireId: fx.questionnaireId,
    answers: {
      summary: `Approached at a fair ${marker}`,
      details: 'A man asked about our project.',
      kind: 'in-person',
    },
    identity: { mode: 'anonymous' },
    source: 'web',
    lang: 'en',
  });
}

async function postMultipart(client: HttpClient, url: string, parts: Part[]) {
  const { body, contentType } = multipartBody([['_csrf', client.csrf ?? ''], ...parts]);
  return client.postRaw(url, body, contentType);
}

for (const dialect of await dialects()) {
  describe(`report follow-up (${dialect})`, () => {
    let t: TestApp;
    let fx: ReportChannelFixture;
    before(async () => {
      t = await createTestApp(dialect);
      fx = await openReportChannel(t);
    });
    after(() => t.close());

    it('opens the mailbox with a code typed loosely, in a cookie that holds nothing readable', async () => {
      const receipt = await submitReport(t, fx, 'MARKER-A');
      const code = receipt.receiptCode!;
      const c = t.client();
      c.lang = 'en';
      const form = await c.get('/report/follow-up');
      assert.equal(form.statusCode, 200);
      assert.equal(form.headers['cache-control'], 'no-store');
      assert.match(form.body, /autocomplete="off"/);
      assert.match(form.body, /spellcheck="false"/);
      assert.match(form.body, /autocapitalize="characters"/);
      assert.match(form.body, /Spaces, dashes and upper or lower case do not matter/);

      const res = await c.postForm('/report/follow-up', { code: sloppy(code) });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/report/follow-up/mailbox');
      const line = cookieLine(res, 'vigil_followup')!;
      assert.match(line, /HttpOnly/);
      assert.match(line, /SameSite=Strict/);
      assert.match(line, /Path=\/report\/follow-up(;|$)/);
      assert.match(line, /Max-Age=1800/);
      assert.doesNotMatch(line, /Secure/, 'plain http in tests');
      const r = reportsOf(t.app.vigil);
      const key = await contentKeyFor(t, receipt.reportId, fx.recipient.privateKey, fx.recipient.keyId);
      assert.equal(line.includes(receipt.reportId), false);
      assert.equal(line.includes(key.toString('base64url')), false);

      const box = await c.get('/report/follow-up/mailbox');
      assert.equal(box.statusCode, 200);
      assert.equal(box.headers['cache-control'], 'no-store');
      assert.ok(box.body.includes(receipt.reference));
      assert.match(box.body, /Received/);
      assert.match(box.body, /Your report has been received and registered/);
      assert.ok(box.body.includes('Approached at a fair MARKER-A'), 'the reporter sees their own answers');
      assert.equal(box.body.includes(code), false, 'the code is not shown back');
      c.lang = 'zh-CN';
      const zh = await c.get('/report/follow-up/mailbox');
      assert.match(zh.body, /您的举报已收到并登记/);
      assert.equal(t.logs().includes(code), false, 'the code is never logged');
      assert.equal(t.logs().includes(sloppy(code)), false);
      void r;
    });

    it('shows a staff question, takes an answer and a reply, stored sealed for the recipients', async () => {
      const receipt = await submitReport(t, fx, 'MARKER-B');
      const r = reportsOf(t.app.vigil);
      const key = await contentKeyFor(t, receipt.reportId, fx.recipient.privateKey, fx.recipient.keyId);
      const f = followUpOf(t.app.vigil, r);
      t.clock.advance(60_000);
      await f.addStaffMessage(
        receipt.reportId,
        key,
        fx.recipient.staffId,
        'Thank you, we are looking into it.',
        'message',
      );
      t.clock.advance(60_000);
      const questionId = await f.addStaffMessage(
        receipt.reportId,
        key,
        fx.recipient.staffId,
        'Which fair was it, and on what day?',
        'question',
      );
      const c = t.client();
      c.lang = 'en';
      await c.get('/report/follow-up');
      assert.equal((await c.postForm('/report/follow-up', { code: receipt.receiptCode! })).statusCode, 303);
      const box = await c.get('/report/follow-up/mailbox');
      assert.match(box.body, /Thank you, we are looking into it\./);
      assert.match(box.body, /class="followup-message followup-question"/);
      assert.match(box.body, /Which fair was it, and on what day\?/);
      assert.ok(box.body.includes(`name="replyTo" value="${questionId}"`), 'an answer box for the question');
      const seen = await t.db.handle.db
        .selectFrom('report_messages')
        .select(['author', 'seen_by_reporter_at'])
        .where('report_id', '=', receipt.reportId)
        .execute();
      assert.ok(
        seen.every((m) => m.seen_by_reporter_at !== null),
        'staff messages marked seen',
      );

      const before = await t.db.handle.db
        .selectFrom('reports')
        .select(['version', 'last_reporter_activity_at'])
        .where('id', '=', receipt.reportId)
        .executeTakeFirstOrThrow();
      t.clock.advance(60_000);
      const answer = 'The trade fair in Hall 3, MARKER-ANSWER, on the Tuesday.';
      const res = await c.postForm('/report/follow-up/reply', { replyTo: questionId, text: answer });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/report/follow-up/mailbox?m=answered');
      t.clock.advance(60_000);
      const reply = 'I also remember a business card: MARKER-REPLY.';
      assert.equal((await c.postForm('/report/follow-up/reply', { text: reply })).statusCode, 303);

      const rows = await t.db.handle.db
        .selectFrom('report_messages')
        .selectAll()
        .where('report_id', '=', receipt.reportId)
        .where('author', '=', 'reporter')
        .orderBy('created_at')
        .execute();
      assert.deepEqual(
        rows.map((m) => m.kind),
        ['answer', 'message'],
      );
      for (const row of rows) assert.equal(Buffer.from(row.sealed_body).includes('MARKER'), false);
      assert.deepEqual(openMessage(key, receipt.reportId, rows[0]!.id, Buffer.from(rows[0]!.sealed_body)), {
        text: answer,
        replyTo: questionId,
      });
      assert.deepEqual(openMessage(key, receipt.reportId, rows[1]!.id, Buffer.from(rows[1]!.sealed_body)), {
        text: reply,
      });
      const after = await t.db.handle.db
        .selectFrom('reports')
        .select(['version', 'last_reporter_activity_at'])
        .where('id', '=', receipt.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(after.version, before.version + 2);
      assert.equal(after.last_reporter_activity_at, t.clock.now());

      const again = await c.get('/report/follow-up/mailbox?m=sent');
      assert.match(again.body, /You answered this question\./);
      assert.ok(again.body.includes('MARKER-REPLY'));
      assert.equal(again.body.includes(`name="replyTo" value="${questionId}"`), false);
      // Replying to something that is not a question of this report keeps the text.
      const bad = await c.postForm('/report/follow-up/reply', {
        replyTo: crypto.randomUUID(),
        text: 'Kept text MARKER-KEPT',
      });
      assert.equal(bad.statusCode, 400);
      assert.ok(bad.body.includes('Kept text MARKER-KEPT'));
      const empty = await c.postForm('/report/follow-up/reply', { text: '   ' });
      assert.equal(empty.statusCode, 400);
      assert.match(empty.body, /Write a message or choose a file/);
      const forged = await c.postForm('/report/follow-up/reply', { text: 'x' }, { csrf: false });
      assert.equal(forged.statusCode, 403);
    });

    it('adds files with the text, says what was removed, and keeps the text when a file is refused', async () => {
      const receipt = await submitReport(t, fx, 'MARKER-C');
      const r = reportsOf(t.app.vigil);
      const key = await contentKeyFor(t, receipt.reportId, fx.recipient.privateKey, fx.recipient.keyId);
      const c = t.client();
      c.lang = 'en';
      await c.get('/report/follow-up');
      await c.postForm('/report/follow-up', { code: receipt.receiptCode! });
      await c.get('/report/follow-up/mailbox');
      const jpeg = await sharp({ create: { width: 20, height: 20, channels: 3, background: 'green' } })
        .jpeg()
        .withExif({
          IFD0: { Make: 'MARKER-CAMERA' },
          IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '1/1 2/1 3/1' },
        })
        .toBuffer();
      const filesBefore = fs.readdirSync(r.attachments.dir).length;

      const exe = Buffer.concat([Buffer.from('MZ\x90\0\x03\0\0\0', 'latin1'), crypto.randomBytes(2000)]);
      const refused = await postMultipart(c, '/report/follow-up/reply', [
        ['text', 'Here are photos MARKER-TYPED'],
        ['files', { filename: 'photo.jpg', content: jpeg, type: 'image/jpeg' }],
        ['files', { filename: 'holiday.jpg', content: exe, type: 'image/jpeg' }],
      ]);
      assert.equal(refused.statusCode, 422);
      assert.equal(refused.headers['cache-control'], 'no-store');
      assert.ok(refused.body.includes('Here are photos MARKER-TYPED'), 'the typed text is kept');
      assert.match(refused.body, /holiday\.jpg: is not a kind of file we accept/);
      assert.equal(
        fs.readdirSync(r.attachments.dir).length,
        filesBefore,
        'the accepted photo was not kept either',
      );
      const none = await t.db.handle.db
        .selectFrom('report_messages')
        .select('id')
        .where('report_id', '=', receipt.reportId)
        .where('author', '=', 'reporter')
        .execute();
      assert.equal(none.length, 0);

      const res = await postMultipart(c, '/report/follow-up/reply', [
        ['text', 'Here are photos MARKER-TYPED'],
        ['files', { filename: '../private/holiday/photo.jpg', content: jpeg, type: 'image/jpeg' }],
      ]);
      assert.equal(res.statusCode, 303);
      const file = await t.db.handle.db
        .selectFrom('report_files')
        .selectAll()
        .where('report_id', '=', receipt.reportId)
        .executeTakeFirstOrThrow();
      assert.ok(file.message_id);
      const meta = JSON.parse(
        open(key, Buffer.from(file.sealed_meta), `report/${receipt.reportId}/file/${file.id}`).toString(
          'utf8',
        ),
      );
      assert.equal(meta.name, 'photo.jpg');
      assert.equal(meta.type, 'image/jpeg');
      assert.deepEqual([...meta.removed].sort(), ['exif', 'gps']);
      const parts: Buffer[] = [];
      for await (const p of r.attachments.read(file.id, key)) parts.push(p);
      const back = Buffer.concat(parts);
      assert.equal(back.includes('MARKER'), false);
      assert.equal((await sharp(back).metadata()).exif, undefined);
      assert.equal(fs.readFileSync(r.attachments.pathOf(file.id)).includes('MARKER'), false);
      const report = await t.db.handle.db
        .selectFrom('reports')
        .select('file_count')
        .where('id', '=', receipt.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(report.file_count, 1);

      const box = await c.get('/report/follow-up/mailbox');
      assert.match(box.body, /photo\.jpg/);
      assert.match(box.body, /Removed: camera details \(EXIF\), location \(GPS\)/);
    });

    it('signs out, and forgets an idle or altered session', async () => {
      const receipt = await submitReport(t, fx, 'MARKER-D');
      const c = t.client();
      await c.get('/report/follow-up');
      await c.postForm('/report/follow-up', { code: receipt.receiptCode! });
      assert.equal(
        (await c.get('/report/follow-up')).statusCode,
        303,
        'already open: straight to the mailbox',
      );
      const out = await c.postForm('/report/follow-up/sign-out', {});
      assert.equal(out.statusCode, 303);
      assert.equal(out.headers.location, '/report/follow-up?m=signed-out');
      assert.match(cookieLine(out, 'vigil_followup')!, /Max-Age=0/);
      const gone = await c.get('/report/follow-up/mailbox');
      assert.equal(gone.statusCode, 303);
      assert.equal(gone.headers.location, '/report/follow-up?m=expired');

      await c.get('/report/follow-up');
      await c.postForm('/report/follow-up', { code: receipt.receiptCode! });
      t.clock.advance(29 * 60_000);
      assert.equal((await c.get('/report/follow-up/mailbox')).statusCode, 200, 'renewed by use');
      t.clock.advance(29 * 60_000);
      assert.equal((await c.get('/report/follow-up/mailbox')).statusCode, 200);
      t.clock.advance(31 * 60_000);
      assert.equal((await c.get('/report/follow-up/mailbox')).statusCode, 303, 'idle too long');

      await c.get('/report/follow-up');
      await c.postForm('/report/follow-up', { code: receipt.receiptCode! });
      const value = c.cookies.get('vigil_followup')!;
      c.cookies.set('vigil_followup', `${value.slice(0, -4)}AAAA`);
      assert.equal((await c.get('/report/follow-up/mailbox')).statusCode, 303);
    });

    it('throttles wrong codes for everyone, without storing any address', async () => {
      const receipt = await submitReport(t, fx, 'MARKER-E');
      const c = t.client();
      c.lang = 'en';
      await c.get('/report/follow-up');
      const shape = await c.postForm('/report/follow-up', { code: 'ABC-123' });
      assert.equal(shape.statusCode, 400);
      assert.match(shape.body, /A receipt code has 20 letters and digits/);
      let last = shape;
      for (let i = 0; i < 51; i++) {
        t.clock.advance(200);
        last = await c.postForm('/report/follow-up', { code: newReceiptCode() });
        assert.equal(last.statusCode, 400, `attempt ${i + 1}`);
      }
      assert.match(last.body, /No report matches this code/);
      t.clock.advance(200);
      const blocked = await c.postForm('/report/follow-up', { code: newReceiptCode() });
      assert.equal(blocked.statusCode, 429);
      assert.equal(blocked.headers['cache-control'], 'no-store');
      assert.ok(Number(blocked.headers['retry-after']) > 0);
      assert.match(blocked.body, /Too many wrong codes/);
      // The price of not knowing who tries: the right code waits too.
      const right = t.client();
      await right.get('/report/follow-up');
      assert.equal(
        (await right.postForm('/report/follow-up', { code: receipt.receiptCode! })).statusCode,
        429,
      );
      const rows = await t.db.handle.db.selectFrom('throttles').selectAll().execute();
      assert.ok(rows.length >= 1);
      const stored = JSON.stringify(rows);
      for (const leak of ['127.0.0.1', '::1', 'localhost', 'lightMyRequest', receipt.receiptCode!])
        assert.equal(stored.includes(leak), false, leak);
      t.clock.advance(61_000);
      assert.equal(
        (await right.postForm('/report/follow-up', { code: receipt.receiptCode! })).statusCode,
        303,
      );
      await t.db.handle.db.deleteFrom('throttles').execute();
    });

    it('caps sign-in attempts per node with a token bucket', async () => {
      const c = t.client();
      await c.get('/report/follow-up');
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++)
        statuses.push((await c.postForm('/report/follow-up', { code: newReceiptCode() })).statusCode);
      assert.ok(statuses.includes(429));
      await t.db.handle.db.deleteFrom('throttles').execute();
      t.clock.advance(10_000);
    });
  });
}

describe('follow-up cookie over https', () => {
  it('is Secure when the site is served over https', async () => {
    const t = await createTestApp('sqlite', { VIGIL_PUBLIC_URL: 'https://vigil.example' });
    try {
      const fx = await openReportChannel(t);
      const receipt = await submitReport(t, fx, 'MARKER-F');
      const c = t.client();
      await c.get('/report/follow-up');
      const res = await c.postForm('/report/follow-up', { code: receipt.receiptCode! });
      assert.match(cookieLine(res, 'vigil_followup')!, /; Secure/);
    } finally {
      await t.close();
    }
  });
});
