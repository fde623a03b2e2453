/**
 * The web report form without JavaScript, through the HTTP client: a whole report in each language
 * whose answers and identity open with the recipient's key, conditional questions, errors in the
 * reporter's language, topic links, drafts that expire, double submissions, files refused and
 * removed, the receipt and its text file, forgetting it, the no-JavaScript proof-of-work path,
 * refusals that keep the draft, and the page when nothing is open.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { DRAFT_COOKIE } from '../../src/modules/reports/drafts.ts';
import { reportsOf } from '../../src/modules/reports/module.ts';
import { solve } from '../../src/modules/reports/pow.ts';
import type { QuestionnaireDefinition } from '../../src/modules/reports/questionnaire.ts';
import { normaliseReceiptCode } from '../../src/modules/reports/receipt.ts';
import { wizardMessages } from '../../src/modules/reports/wizard.messages.ts';
import { clientSecretKeys, open, openWithPrivateKey } from '../../src/platform/crypto/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';
import { multipartBody, type Part } from '../helpers/multipart.ts';
import {
  contentKeyFor,
  openAnswers,
  openReportChannel,
  type ReportChannelFixture,
} from '../helpers/reports.ts';

const en = wizardMessages('en');
const zh = wizardMessages('zh-CN');
const STEP1 = {
  'q.summary': 'MARKER-SUMMARY a man asked about the new chip',
  'q.details': 'MARKER-DETAILS He wrote first on LinkedIn.\nThen he offered money.',
  'q.kind': 'online',
  'q.platform': 'MARKER-PLATFORM',
};
const STEP2 = {
  'q.date': '2026-10-01',
  'q.period.from': '2026-09-01',
  'q.period.to': '2026-10-15',
  'q.place': 'Shenzhen',
  'q.signs': ['documents', 'meetings'],
  'q.paid': 'yes',
};

const decode = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
const challengeOf = (body: string) => /name="challenge" value="([^"]+)"/.exec(body)?.[1] ?? '';
const receiptCodeOf = (body: string) => /data-testid="receipt-code"[^>]*>([^<]+)</.exec(body)?.[1] ?? '';

/** Every page of the form: never stored, and every form on it carries the CSRF field. */
function assertPage(
  res: { statusCode: number; headers: Record<string, unknown>; body: string },
  status = 200,
) {
  assert.equal(res.statusCode, status, res.body.slice(0, 500));
  assert.equal(res.headers['cache-control'], 'no-store');
  const forms = res.body.match(/<form[^>]*method="post"[\s\S]*?<\/form>/g) ?? [];
  for (const f of forms) assert.match(f, /name="_csrf" value="[^"]+"/, 'a form without the CSRF field');
}

async function startReport(c: HttpClient, fx: ReportChannelFixture) {
  assertPage(await c.get('/report'));
  const res = await c.postForm('/report/start', { questionnaire: fx.questionnaireId });
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers.location, '/report/step/1');
  return res;
}

async function throughSteps(c: HttpClient) {
  assertPage(await c.get('/report/step/1'));
  let res = await c.postForm('/report/step/1', { ...STEP1, action: 'next' });
  assert.equal(res.headers.location, '/report/step/2', res.body.slice(0, 800));
  assertPage(await c.get('/report/step/2'));
  res = await c.postForm('/report/step/2', { ...STEP2, action: 'next' });
  assert.equal(res.headers.location, '/report/identity', res.body.slice(0, 800));
}

async function identity(c: HttpClient, fields: Record<string, string>) {
  assertPage(await c.get('/report/identity'));
  const res = await c.postForm('/report/identity', { ...fields, action: 'next' });
  assert.equal(res.headers.location, '/report/review', res.body.slice(0, 800));
}

async function submitSolved(t: TestApp, c: HttpClient) {
  const review = await c.get('/report/review');
  assertPage(review);
  const challenge = challengeOf(review.body);
  const nonce = solve(challenge, t.config.reports.powBits);
  return { challenge, nonce, res: await c.postForm('/report/submit', { challenge, nonce }) };
}

async function reportCount(t: TestApp): Promise<number> {
  const r = await t.db.handle.db
    .selectFrom('reports')
    .select((e) => e.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The report whose receipt this browser holds (found by the reference on the receipt page). */
async function sentReport(t: TestApp, c: HttpClient) {
  const page = await c.get('/report/receipt');
  const reference = /data-testid="receipt-reference">([^<]+)</.exec(page.body)?.[1] ?? '';
  return t.db.handle.db
    .selectFrom('reports')
    .selectAll()
    .where('reference', '=', reference)
    .executeTakeFirstOrThrow();
}

async function upload(c: HttpClient, step: number, fields: Record<string, string>, files: Part[]) {
  const parts: Part[] = [['_csrf', c.csrf ?? ''], ...Object.entries(fields), ...files];
  const { body, contentType } = multipartBody(parts);
  return c.postRaw(`/report/step/${step}`, body, contentType);
}

for (const dialect of await dialects()) {
  describe(`web report form (${dialect})`, () => {
    let t: TestApp;
    let fx: ReportChannelFixture;

    before(async () => {
      t = await createTestApp(dialect, { VIGIL_PUBLIC_URL: 'https://report.example.org' });
      fx = await openReportChannel(t, { topics: ['approach'] });
    });
    after(() => t.close());

    it('takes a whole report in English without JavaScript, sealed so the recipient can open it', async () => {
      const c = t.client();
      c.lang = 'en';
      const start = await startReport(c, fx);
      const cookie = String(start.headers['set-cookie']);
      assert.match(
        cookie,
        new RegExp(
          `^${DRAFT_COOKIE}=[A-Za-z0-9_-]{43}; Path=/report; Max-Age=3600; HttpOnly; Secure; SameSite=Strict$`,
        ),
      );
      await throughSteps(c);
      // What was typed so far is in the draft, sealed: not a byte of it readable in the table.
      const sealed = await t.db.handle.db.selectFrom('report_drafts').select('sealed_state').execute();
      assert.ok(sealed.length > 0);
      for (const row of sealed) assert.ok(!Buffer.from(row.sealed_state).includes('MARKER'));
      await identity(c, {
        'identity.mode': 'confidential',
        'identity.name': '',
        'identity.contact': 'MARKER-CONTACT +86 138 0000 0000',
      });
      const { res } = await submitSolved(t, c);
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/report/receipt');
      const receipt = await c.get('/report/receipt');
      assertPage(receipt);
      const code = receiptCodeOf(receipt.body);
      assert.match(code, /^[0-9A-Z]{4}( [0-9A-Z]{4}){4}$/);
      assert.ok(normaliseReceiptCode(code));
      const report = await sentReport(t, c);
      assert.equal(report.source, 'web');
      assert.equal(report.identity_mode, 'confidential');
      assert.match(receipt.body, new RegExp(report.reference));
      const key = await contentKeyFor(t, report.id, fx.recipient.privateKey, fx.recipient.keyId);
      const body = await openAnswers(t, report.id, key);
      assert.equal(body.lang, 'en');
      assert.deepEqual(body.answers, {
        summary: STEP1['q.summary'],
        details: STEP1['q.details'],
        kind: 'online',
        platform: 'MARKER-PLATFORM',
        date: '2026-10-01',
        period: { from: '2026-09-01', to: '2026-10-15' },
        place: 'Shenzhen',
        signs: ['documents', 'meetings'],
        paid: 'yes',
      });
      const wrap = await t.db.handle.db
        .selectFrom('report_key_wraps')
        .select('wrapped_identity_key')
        .where('report_id', '=', report.id)
        .executeTakeFirstOrThrow();
      const identityKey = openWithPrivateKey(
        fx.recipient.privateKey,
        Buffer.from(wrap.wrapped_identity_key!),
        `report/${report.id}/identity-key`,
      );
      const who = JSON.parse(
        open(identityKey, Buffer.from(report.sealed_identity!), `report/${report.id}/identity`).toString(),
      );
      assert.deepEqual(who, { mode: 'confidential', name: '', contact: 'MARKER-CONTACT +86 138 0000 0000' });
      // The draft is gone; nothing the reporter typed was logged.
      const drafts = await t.db.handle.db.selectFrom('report_drafts').selectAll().execute();
      assert.equal(drafts.length, 0);
      assert.doesNotMatch(t.logs(), /MARKER-/);
    });

    it('takes a report in Chinese, with the pages in Chinese', async () => {
      const c = t.client();
      c.lang = 'zh-CN';
      await startReport(c, fx);
      const step = await c.get('/report/step/1');
      assert.match(step.body, /<html lang="zh-CN"/);
      assert.match(step.body, /一句话概括/);
      await throughSteps(c);
      await identity(c, {
        'identity.mode': 'anonymous',
        'identity.name': 'not kept',
        'identity.contact': 'not kept',
      });
      const review = await c.get('/report/review');
      assert.match(review.body, new RegExp(zh.reviewTitle));
      assert.doesNotMatch(review.body, /not kept/);
      const { res } = await submitSolved(t, c);
      assert.equal(res.headers.location, '/report/receipt');
      const receipt = await c.get('/report/receipt');
      assert.match(receipt.body, new RegExp(zh.receiptTitle));
      const report = await sentReport(t, c);
      assert.equal(report.identity_mode, 'anonymous');
      assert.equal(report.sealed_identity, null);
      const key = await contentKeyFor(t, report.id, fx.recipient.privateKey, fx.recipient.keyId);
      assert.equal((await openAnswers(t, report.id, key)).lang, 'zh-CN');
    });

    it('asks a conditional question only when its condition holds, and drops hidden answers', async () => {
      const c = t.client();
      c.lang = 'en';
      await startReport(c, fx);
      const page = await c.get('/report/step/1');
      // Without a script the condition is explained beside the question.
      assert.match(decode(page.body), /Answer this only if your answer to “Kind of approach” is “Online”/);
      const { 'q.platform': _, ...withoutPlatform } = STEP1;
      let res = await c.postForm('/report/step/1', { ...withoutPlatform, action: 'next' });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /href="#f-q-platform"/);
      res = await c.postForm('/report/step/1', { ...STEP1, 'q.kind': 'in-person', action: 'next' });
      assert.equal(res.statusCode, 303, 'not needed for an approach in person');
      // The platform typed with "in person" was dropped.
      const back = await c.get('/report/step/1');
      assert.doesNotMatch(back.body, /MARKER-PLATFORM/);
      assert.match(back.body, /value="in-person" checked/);
    });

    it('shows errors in the reporter’s language with a linked summary, keeping what was typed', async () => {
      for (const [lang, m] of [
        ['en', en],
        ['zh-CN', zh],
      ] as const) {
        const c = t.client();
        c.lang = lang;
        await startReport(c, fx);
        await c.get('/report/step/1');
        const res = await c.postForm('/report/step/1', {
          'q.summary': 'x'.repeat(201),
          'q.details': 'kept <b>text</b>',
          'q.kind': 'by-pigeon',
          action: 'next',
        });
        assertPage(res, 400);
        assert.match(res.body, /class="error-summary"/);
        assert.match(res.body, /<a href="#f-q-summary">/);
        assert.match(decode(res.body), new RegExp(m.problems['too-long']!.replace('{max}', '200')));
        assert.match(decode(res.body), new RegExp(m.problems['not-an-option']!));
        assert.match(res.body, /kept &lt;b&gt;text&lt;\/b&gt;/);
        assert.match(res.body, /aria-invalid="true"/);
        // The next step cannot be skipped to.
        const ahead = await c.get('/report/review');
        assert.equal(ahead.statusCode, 303);
        assert.equal(ahead.headers.location, '/report/step/1');
      }
    });

    it('keeps answers when going back, and asks how to be identified with clear errors', async () => {
      const c = t.client();
      c.lang = 'en';
      await startReport(c, fx);
      await throughSteps(c);
      let res = await c.postForm('/report/step/2', { ...STEP2, 'q.place': 'Changed place', action: 'back' });
      assert.equal(res.headers.location, '/report/step/1');
      const one = await c.get('/report/step/1');
      assert.match(one.body, /MARKER-SUMMARY/);
      const two = await c.get('/report/step/2');
      assert.match(two.body, /value="Changed place"/);
      await c.get('/report/identity');
      res = await c.postForm('/report/identity', {
        'identity.mode': 'named',
        'identity.name': '',
        'identity.contact': '',
        action: 'next',
      });
      assertPage(res, 400);
      assert.match(res.body, /href="#f-identity-name"/);
      assert.match(res.body, /href="#f-identity-contact"/);
      res = await c.postForm('/report/identity', { 'identity.mode': '', action: 'next' });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /href="#f-identity-mode"/);
    });

    it('preselects the questionnaire a guide links to', async () => {
      const c = t.client();
      // With one questionnaire offered, it is chosen already.
      assert.match(
        (await c.get('/report')).body,
        new RegExp(`value="${fx.questionnaireId}" id="[^"]+" checked`),
      );
      const other = await openReportChannel(t, { topics: ['complaint'], kind: 'complaint' });
      const page = await c.get('/report?topic=approach');
      assertPage(page);
      assert.match(page.body, new RegExp(`value="${fx.questionnaireId}" id="[^"]+" checked`));
      assert.doesNotMatch(page.body, new RegExp(`value="${other.questionnaireId}" id="[^"]+" checked`));
      const complaint = await c.get('/report?topic=complaint');
      assert.match(complaint.body, new RegExp(`value="${other.questionnaireId}" id="[^"]+" checked`));
      const plain = await c.get('/report?topic=nothing-like-this');
      assert.doesNotMatch(plain.body, / checked/);
      const bad = await c.get(`/report?topic=${'x'.repeat(200)}`);
      assert.equal(bad.statusCode, 200);
    });

    it('deletes an unfinished report after an hour and says so kindly', async () => {
      const c = t.client();
      c.lang = 'en';
      await startReport(c, fx);
      const draftId = clientSecretKeys(t.app.vigil.keys.reporter, c.cookies.get(DRAFT_COOKIE) ?? '').id;
      await c.postForm('/report/step/1', { ...STEP1, action: 'next' });
      t.clock.advance(3_600_001);
      const res = await c.get('/report/step/2');
      assertPage(res, 410);
      assert.match(decode(res.body), new RegExp(en.expiredTitle));
      assert.match(res.body, /href="\/report"/);
      const after = await c.postForm('/report/step/2', { ...STEP2, action: 'next' });
      assert.equal(after.statusCode, 410);
      const rows = await t.db.handle.db
        .selectFrom('report_drafts')
        .selectAll()
        .where('id', '=', draftId)
        .execute();
      assert.equal(rows.length, 0);
      // Without any draft at all, the same page.
      assert.equal((await t.client().get('/report/review')).statusCode, 410);
    });

    it('never makes two reports of a double click, a resubmission or the back button', async () => {
      const c = t.client();
      c.lang = 'en';
      await startReport(c, fx);
      await throughSteps(c);
      await identity(c, { 'identity.mode': 'anonymous' });
      const review = await c.get('/report/review');
      const challenge = challengeOf(review.body);
      const nonce = solve(challenge, t.config.reports.powBits);
      const before = await reportCount(t);
      // Two clicks at once, then the same form again.
      const [a, b] = await Promise.all([
        c.postForm('/report/submit', { challenge, nonce }),
        c.postForm('/report/submit', { challenge, nonce }),
      ]);
      assert.equal(a.headers.location, '/report/receipt');
      assert.equal(b.headers.location, '/report/receipt');
      const again = await c.postForm('/report/submit', { challenge, nonce });
      assert.equal(again.headers.location, '/report/receipt');
      // The back button lands on the review page's address: it sends to the receipt.
      const back = await c.get('/report/review');
      assert.equal(back.headers.location, '/report/receipt');
      assert.equal(await reportCount(t), before + 1);
      const first = receiptCodeOf((await c.get('/report/receipt')).body);
      const second = receiptCodeOf((await c.get('/report/receipt')).body);
      assert.ok(first);
      assert.equal(first, second);
    });

    it('downloads the receipt as a text file, only in the browser that sent the report, and forgets it', async () => {
      const c = t.client();
      c.lang = 'en';
      await startReport(c, fx);
      await throughSteps(c);
      await identity(c, { 'identity.mode': 'anonymous' });
      await submitSolved(t, c);
      const code = receiptCodeOf((await c.get('/report/receipt')).body);
      const report = await sentReport(t, c);
      const txt = await c.get('/report/receipt.txt');
      assert.equal(txt.statusCode, 200);
      assert.equal(txt.headers['cache-control'], 'no-store');
      assert.match(String(txt.headers['content-type']), /^text\/plain; charset=utf-8/);
      assert.match(
        String(txt.headers['content-disposition']),
        /^attachment; filename="receipt-R-[0-9A-Z]{4}-[0-9A-Z]{4}\.txt"$/,
      );
      assert.ok(txt.body.includes(code));
      assert.ok(txt.body.includes('https://report.example.org/report/follow-up'));
      // Another browser sees nothing.
      const other = t.client();
      assert.equal((await other.get('/report/receipt')).statusCode, 404);
      assert.equal((await other.get('/report/receipt.txt')).statusCode, 404);
      // "I have saved it": the record and the cookie are gone.
      const forget = await c.postForm('/report/receipt/forget', {});
      assert.equal(forget.statusCode, 303);
      assert.equal(forget.headers.location, '/report/saved');
      assert.match(
        String(forget.headers['set-cookie']),
        new RegExp(`^${DRAFT_COOKIE}=; Path=/report; Max-Age=0`),
      );
      assert.equal(c.cookies.has(DRAFT_COOKIE), false);
      assertPage(await c.get('/report/saved'));
      assert.equal((await c.get('/report/receipt')).statusCode, 404);
      const rows = await t.db.handle.db
        .selectFrom('report_submissions')
        .selectAll()
        .where('report_id', '=', report.id)
        .execute();
      assert.equal(rows.length, 0);
    });

    it('forgets a receipt an hour after the report', async () => {
      const c = t.client();
      await startReport(c, fx);
      await throughSteps(c);
      await identity(c, { 'identity.mode': 'anonymous' });
      await submitSolved(t, c);
      assert.equal((await c.get('/report/receipt')).statusCode, 200);
      t.clock.advance(3_600_001);
      assert.equal((await c.get('/report/receipt')).statusCode, 404);
    });

    it('accepts a report without JavaScript once the review page has been read a moment', async () => {
      const c = t.client();
      c.lang = 'en';
      await startReport(c, fx);
      await throughSteps(c);
      await identity(c, { 'identity.mode': 'anonymous' });
      const review = await c.get('/report/review');
      const challenge = challengeOf(review.body);
      const before = await reportCount(t);
      const tooSoon = await c.postForm('/report/submit', { challenge, nonce: '' });
      assertPage(tooSoon, 400);
      assert.match(tooSoon.body, new RegExp(en.tooSoon));
      assert.equal(challengeOf(tooSoon.body), challenge, 'the same challenge keeps its age');
      t.clock.advance(3_001);
      const ok = await c.postForm('/report/submit', { challenge, nonce: '' });
      assert.equal(ok.statusCode, 303);
      assert.equal(ok.headers.location, '/report/receipt');
      assert.equal(await reportCount(t), before + 1);
    });

    it('refuses a challenge from another draft or a wrong nonce, asking to send again', async () => {
      const c = t.client();
      c.lang = 'en';
      await startReport(c, fx);
      await throughSteps(c);
      await identity(c, { 'identity.mode': 'anonymous' });
      await c.get('/report/review');
      const foreign = reportsOf(t.app.vigil).pow.issue();
      let res = await c.postForm('/report/submit', {
        challenge: foreign,
        nonce: solve(foreign, t.config.reports.powBits),
      });
      assertPage(res, 400);
      assert.match(res.body, new RegExp(en.powRetry));
      const challenge = challengeOf(res.body);
      res = await c.postForm('/report/submit', { challenge, nonce: 'zzzz-not-a-solution' });
      assert.equal(res.statusCode, 400);
    });

    it('keeps the typed answers when a file is refused, attaches and removes files', async () => {
      const c = t.client();
      c.lang = 'en';
      await startReport(c, fx);
      await c.postForm('/report/step/1', { ...STEP1, action: 'next' });
      await c.get('/report/step/2');
      const fields = { 'q.place': 'MARKER-PLACE kept', 'q.paid': 'no', action: 'next' };
      let res = await upload(c, 2, fields, [
        [
          'upload-5',
          {
            filename: 'setup.exe',
            content: Buffer.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0, 0xff, 0xff]),
          },
        ],
      ]);
      assertPage(res, 400);
      assert.match(decode(res.body), /“setup\.exe” is not a kind of file we accept/);
      assert.match(res.body, /value="MARKER-PLACE kept"/);
      assert.match(res.body, /value="no" checked/);
      // A fresh page still has the answers: they were saved in the draft.
      assert.match((await c.get('/report/step/2')).body, /value="MARKER-PLACE kept"/);
      const photo = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#c00' } })
        .jpeg()
        .withExif({ IFD0: { Make: 'MARKER-CAMERA' } })
        .toBuffer();
      res = await upload(c, 2, { ...fields, action: 'upload' }, [
        ['upload-5', { filename: 'photo.jpg', content: photo, type: 'image/jpeg' }],
        ['upload-5', { filename: 'note.txt', content: 'MARKER-FILE-TEXT evidence' }],
      ]);
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/report/step/2');
      let page = await c.get('/report/step/2');
      assert.match(page.body, /photo\.jpg/);
      // The reporter is told what was taken out of the photo.
      assert.match(page.body, /Removed: camera details \(EXIF\)/);
      assert.match(page.body, /note\.txt/);
      const remove = /name="action" value="(remove:[^"]+)"[^>]*aria-label="Remove note\.txt"/.exec(
        page.body,
      )?.[1];
      assert.ok(remove, 'a remove button per file');
      res = await upload(c, 2, { ...fields, action: remove }, []);
      assert.equal(res.statusCode, 303);
      page = await c.get('/report/step/2');
      assert.doesNotMatch(page.body, /note\.txt/);
      res = await upload(c, 2, fields, []);
      assert.equal(res.headers.location, '/report/identity');
      await identity(c, { 'identity.mode': 'anonymous' });
      const review = await c.get('/report/review');
      assert.match(review.body, /photo\.jpg/);
      await submitSolved(t, c);
      const report = await sentReport(t, c);
      assert.equal(report.file_count, 1);
      const key = await contentKeyFor(t, report.id, fx.recipient.privateKey, fx.recipient.keyId);
      const body = await openAnswers(t, report.id, key);
      assert.equal(body.files.length, 1);
      const chunks: Buffer[] = [];
      for await (const chunk of reportsOf(t.app.vigil).attachments.read(body.files[0]!, key))
        chunks.push(chunk);
      assert.ok(
        Buffer.concat(chunks)
          .subarray(0, 2)
          .equals(Buffer.from([0xff, 0xd8])) && !Buffer.concat(chunks).includes('MARKER-CAMERA'),
        'the file opens with the report key',
      );
    });

    it('keeps the draft when the node is busy, or the channel closes meanwhile', async () => {
      const c = t.client();
      c.lang = 'en';
      await startReport(c, fx);
      await throughSteps(c);
      await identity(c, { 'identity.mode': 'anonymous' });
      const db = t.db.handle.db;
      await db
        .updateTable('report_channels')
        .set({ status: 'closed' })
        .where('id', '=', fx.channelId)
        .execute();
      reportsOf(t.app.vigil).directory.invalidate();
      let { res } = await submitSolved(t, c);
      assertPage(res, 503);
      assert.match(decode(res.body), new RegExp(en.unavailableTitle));
      await db
        .updateTable('report_channels')
        .set({ status: 'open' })
        .where('id', '=', fx.channelId)
        .execute();
      reportsOf(t.app.vigil).directory.invalidate();
      ({ res } = await submitSolved(t, c));
      assert.equal(res.headers.location, '/report/receipt');
    });

    it('says plainly when reporting is not open, rather than showing a broken form', async () => {
      const db = t.db.handle.db;
      await db.updateTable('report_channels').set({ status: 'closed' }).execute();
      reportsOf(t.app.vigil).directory.invalidate();
      try {
        for (const [lang, m] of [
          ['en', en],
          ['zh-CN', zh],
        ] as const) {
          const c = t.client();
          c.lang = lang;
          const res = await c.get('/report');
          assertPage(res);
          assert.match(decode(res.body), new RegExp(m.closedTitle));
          assert.match(res.body, /href="\/report\/follow-up"/);
          assert.doesNotMatch(res.body, /action="\/report\/start"/);
        }
      } finally {
        await db.updateTable('report_channels').set({ status: 'open' }).execute();
        reportsOf(t.app.vigil).directory.invalidate();
      }
    });

    it('states what is and is not recorded, and links returning reporters to their mailbox', async () => {
      const c = t.client();
      c.lang = 'en';
      const res = await c.get('/report');
      const text = decode(res.body);
      assert.ok(text.includes(en.noTracking));
      assert.ok(text.includes(en.falseReports));
      assert.ok(text.includes(en.howLong));
      assert.match(res.body, /href="\/report\/follow-up"/);
    });
  });
}

describe('web report form when busy', () => {
  it('answers 429 and keeps the draft when the node takes no more reports this second', async () => {
    const t = await createTestApp('sqlite', {
      VIGIL_REPORT_RATE_BURST: '1',
      VIGIL_REPORT_RATE_PER_SECOND: '0.1',
    });
    try {
      const fx = await openReportChannel(t);
      const first = t.client();
      await startReport(first, fx);
      await throughSteps(first);
      await identity(first, { 'identity.mode': 'anonymous' });
      const c = t.client();
      c.lang = 'en';
      await startReport(c, fx);
      await throughSteps(c);
      await identity(c, { 'identity.mode': 'anonymous' });
      assert.equal((await submitSolved(t, first)).res.statusCode, 303);
      const { challenge, nonce, res } = await submitSolved(t, c);
      assertPage(res, 429);
      assert.match(decode(res.body), new RegExp(en.busyTitle));
      t.clock.advance(20_000);
      // The same solved challenge still counts for this draft.
      const retry = await c.postForm('/report/submit', { challenge, nonce });
      assert.equal(retry.headers.location, '/report/receipt');
    } finally {
      await t.close();
    }
  });
});

describe('web report form with a limit of two files', () => {
  it('refuses the file past the limit and keeps the answers and the files already attached', async () => {
    const t = await createTestApp('sqlite', { VIGIL_REPORT_MAX_FILES: '2' });
    try {
      const fx = await openReportChannel(t);
      const c = t.client();
      c.lang = 'en';
      await startReport(c, fx);
      await c.postForm('/report/step/1', { ...STEP1, action: 'next' });
      await c.get('/report/step/2');
      const note = (n: number): Part => ['upload-5', { filename: `note-${n}.txt`, content: `evidence ${n}` }];
      let res = await upload(c, 2, { 'q.place': 'Kept place', action: 'upload' }, [note(1)]);
      assert.equal(res.statusCode, 303);
      await c.get('/report/step/2');
      res = await upload(c, 2, { 'q.place': 'Kept place', action: 'upload' }, [note(2), note(3)]);
      assertPage(res, 400);
      assert.match(decode(res.body), /At most 2 files can be attached; “note-3\.txt” was not/);
      assert.match(res.body, /value="Kept place"/);
      const page = await c.get('/report/step/2');
      assert.match(page.body, /note-1\.txt/);
      assert.match(page.body, /note-2\.txt/);
      assert.doesNotMatch(page.body, /note-3\.txt/);
      // Full: no file input is offered any more.
      assert.doesNotMatch(page.body, /type="file"/);
      assert.ok(decode(page.body).includes(wizardMessages('en').filesFull));
    } finally {
      await t.close();
    }
  });
});

describe('web report form with the questionnaires the content pack ships', () => {
  it('fills in and sends each of them, in both languages', async () => {
    const pack = JSON.parse(
      fs.readFileSync(
        new URL('../../content-packs/counter-espionage/reporting.json', import.meta.url),
        'utf8',
      ),
    ) as { questionnaires: { id: string; topics: string[]; definition: QuestionnaireDefinition }[] };
    const t = await createTestApp('sqlite');
    try {
      for (const [i, q] of pack.questionnaires.entries()) {
        const fx = await openReportChannel(t, { definition: q.definition, topics: q.topics });
        const c = t.client();
        c.lang = i % 2 === 0 ? 'en' : 'zh-CN';
        const lang = c.lang as 'en' | 'zh-CN';
        const start = await c.get(`/report?topic=${q.topics[0]}`);
        assert.match(start.body, new RegExp(`value="${fx.questionnaireId}" id="[^"]+" checked`));
        await c.postForm('/report/start', { questionnaire: fx.questionnaireId });
        for (const [n, step] of q.definition.steps.entries()) {
          const page = await c.get(`/report/step/${n + 1}`);
          assertPage(page);
          assert.ok(decode(page.body).includes(step.title[lang]));
          const fields: Record<string, string | string[]> = { action: 'next' };
          for (const question of step.questions) {
            const name = `q.${question.id}`;
            if (question.type === 'single-choice') fields[name] = question.options![0]!.value;
            else if (question.type === 'multiple-choice') fields[name] = [question.options![0]!.value];
            else if (question.type === 'yes-no') fields[name] = 'no';
            else if (question.type === 'date') fields[name] = '2026-01-01';
            else if (question.type === 'date-range') {
              fields[`${name}.from`] = '2026-01-01';
              fields[`${name}.to`] = '2026-02-01';
            } else if (question.type !== 'file') fields[name] = `${question.id} answer`;
          }
          const res = await c.postForm(`/report/step/${n + 1}`, fields);
          assert.equal(res.statusCode, 303, `${q.id} step ${step.id}: ${res.body.slice(0, 600)}`);
        }
        await identity(c, { 'identity.mode': 'anonymous' });
        const { res } = await submitSolved(t, c);
        assert.equal(res.headers.location, '/report/receipt', `${q.id}: ${res.body.slice(0, 600)}`);
      }
    } finally {
      await t.close();
    }
  });
});
