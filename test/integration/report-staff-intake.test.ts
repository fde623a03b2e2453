/**
 * Staff intake (/admin/intake) and the reporting channel's jobs: a handler records a phone report
 * with its received time and a receipt, sealed like any other; other roles are refused; the audit
 * entry names the report but holds nothing of it; a form sent twice makes one report; channels
 * closed to the public stay usable by staff, channels nobody could read never are. The notice job
 * mails each recipient over real SMTP without a word of the report, once per report; the purge job
 * removes what has expired.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { reportsModule, reportsOf } from '../../src/modules/reports/module.ts';
import { notifyChannel, SETTLE_MS } from '../../src/modules/reports/notify.ts';
import { purgeReports } from '../../src/modules/reports/purge.ts';
import { normaliseReceiptCode } from '../../src/modules/reports/receipt.ts';
import { generateKeyPair, randomBytes, receiptSecrets } from '../../src/platform/crypto/index.ts';
import { Worker } from '../../src/platform/jobs/worker.ts';
import { type CreatedStaff, createStaff, createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';
import { MailSink } from '../helpers/mail-sink.ts';
import { multipartBody } from '../helpers/multipart.ts';
import {
  contentKeyFor,
  openAnswers,
  openReportChannel,
  type ReportChannelFixture,
} from '../helpers/reports.ts';

const BASE = 'https://channel.example.org';
const MARKER = 'Marker-Intake-Quokka-5531';
const CONTACT = 'Call Wang Fang on +86 139 1234 5678';

/** The form's answer fields for TEST_QUESTIONNAIRE. */
const ANSWER_FIELDS = {
  'q.summary': `A caller reports ${MARKER}`,
  'q.details': 'Approached after a trade fair and asked for the design files.',
  'q.kind': 'in-person',
  'q.period.from': '2026-10-01',
  'q.period.to': '2026-10-03',
  'q.signs': ['documents', 'meetings'],
  'q.paid': 'no',
};

function lines(): {
  logs: string[];
  info: (o: object, m: string) => void;
  warn: (o: object, m: string) => void;
} {
  const logs: string[] = [];
  return {
    logs,
    info: (o, m) => logs.push(`${m} ${JSON.stringify(o)}`),
    warn: (o, m) => logs.push(`${m} ${JSON.stringify(o)}`),
  };
}

for (const dialect of await dialects()) {
  describe(`staff intake and report jobs (${dialect})`, () => {
    let t: TestApp;
    let sink: MailSink;
    let f: ReportChannelFixture;
    let handler: CreatedStaff;
    let handlerClient: HttpClient;
    let worker: Worker;

    before(async () => {
      sink = new MailSink();
      const port = await sink.start();
      t = await createTestApp(dialect, {
        VIGIL_PUBLIC_URL: BASE,
        VIGIL_SMTP_HOST: '127.0.0.1',
        VIGIL_SMTP_PORT: String(port),
        VIGIL_SMTP_TLS: 'none',
      });
      f = await openReportChannel(t);
      handler = await createStaff(t, 'intake-handler', ['handler']);
      handlerClient = await signIn(t, handler);
      worker = new Worker(t.app.vigil.jobs, undefined, t.app.log, { backoffMs: 1000 });
      reportsModule.jobs!(worker, t.app.vigil);
    });
    after(async () => {
      await t.close();
      await sink.close();
    });
    beforeEach(() => sink.clear());

    /** Opens the form and returns its fields (submission token, defaults) plus what the page showed. */
    async function openForm(c: HttpClient, questionnaireId: string) {
      const page = await c.get(`/admin/intake/${questionnaireId}`);
      assert.equal(page.statusCode, 200, page.body.slice(0, 500));
      assert.equal(page.headers['cache-control'], 'no-store');
      const submission = /name="submission" value="([A-Za-z0-9_-]{43})"/.exec(page.body)?.[1];
      assert.ok(submission, 'the form carries a submission token');
      return { page, submission };
    }

    function record(c: HttpClient, questionnaireId: string, fields: Record<string, string | string[]>) {
      return c.postForm(`/admin/intake/${questionnaireId}`, {
        source: 'phone',
        receivedDate: '2026-11-21',
        receivedTime: '15:30',
        zone: '480',
        identityMode: 'confidential',
        contact: CONTACT,
        withReceipt: 'yes',
        ...ANSWER_FIELDS,
        ...fields,
      });
    }

    async function reportCount(): Promise<number> {
      const row = await t.db.handle.db
        .selectFrom('reports')
        .select((e) => e.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    }

    it('records a phone report, sealed, with its received time and a receipt code shown once', async () => {
      const { submission } = await openForm(handlerClient, f.questionnaireId);
      const res = await record(handlerClient, f.questionnaireId, { submission });
      assert.equal(res.statusCode, 200, res.body.slice(0, 2000));
      assert.equal(res.headers['cache-control'], 'no-store');
      const shown = /data-testid="receipt-code">([0-9A-Z ]+)</.exec(res.body)?.[1];
      assert.ok(shown, 'the receipt code is shown');
      assert.match(shown, /^[0-9A-Z]{4}( [0-9A-Z]{4}){4}$/, 'grouped for reading aloud');
      const code = normaliseReceiptCode(shown)!;
      const reference = /data-testid="reference">(R-[0-9A-Z-]+)</.exec(res.body)?.[1];
      assert.ok(reference);

      const row = await t.db.handle.db
        .selectFrom('reports')
        .selectAll()
        .where('reference', '=', reference)
        .executeTakeFirstOrThrow();
      assert.equal(row.source, 'phone');
      assert.equal(row.received_at, Date.UTC(2026, 10, 21, 7, 30), '15:30 at UTC+08:00');
      assert.equal(row.registered_at, t.clock.now());
      assert.equal(row.intake_staff_id, handler.id);
      assert.equal(row.identity_mode, 'confidential');
      assert.equal(row.receipt_lookup, receiptSecrets(t.app.vigil.keys.receipt, code).lookup);
      const key = await contentKeyFor(t, row.id, f.recipient.privateKey, f.recipient.keyId);
      const body = await openAnswers(t, row.id, key);
      assert.equal(body.answers.summary, ANSWER_FIELDS['q.summary']);
      assert.deepEqual(body.answers.signs, ['documents', 'meetings']);
      assert.deepEqual(body.answers.period, { from: '2026-10-01', to: '2026-10-03' });

      const [entry] = await t.app.vigil.audit.list({ action: 'report.intake', limit: 1 });
      assert.ok(entry);
      assert.equal(entry.actor_id, handler.id);
      assert.equal(entry.target_id, row.id);
      const details = JSON.parse(entry.details) as Record<string, unknown>;
      assert.equal(details.reference, reference);
      assert.equal(details.source, 'phone');
      for (const secret of [MARKER, 'Wang Fang', '139 1234', code, shown, 'trade fair'])
        assert.ok(!entry.details.includes(secret), `the audit entry holds no ${secret}`);
      assert.ok(!t.logs().includes(MARKER) && !t.logs().includes(code), 'nothing of it is logged');
    });

    it('makes one report from a form sent twice, showing the same result', async () => {
      const { submission } = await openForm(handlerClient, f.questionnaireId);
      const count = await reportCount();
      const first = await record(handlerClient, f.questionnaireId, { submission });
      const second = await record(handlerClient, f.questionnaireId, { submission });
      assert.equal(first.statusCode, 200);
      assert.equal(second.statusCode, 200);
      const codeOf = (body: string) => /data-testid="receipt-code">([0-9A-Z ]+)</.exec(body)?.[1];
      assert.equal(codeOf(second.body), codeOf(first.body));
      assert.match(second.body, /sent twice|提交了两次/);
      assert.equal(await reportCount(), count + 1);
      assert.equal((await t.app.vigil.audit.list({ action: 'report.intake', limit: 100 })).length, 2);
    });

    it('can record without a receipt code, with files sealed as they arrive', async () => {
      const { page, submission } = await openForm(handlerClient, f.questionnaireId);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      const { body, contentType } = multipartBody([
        ['_csrf', csrf],
        ['submission', submission],
        ['source', 'letter'],
        ['receivedDate', '2026-11-20'],
        ['receivedTime', '09:05'],
        ['zone', '0'],
        ['identityMode', 'anonymous'],
        ['q.summary', 'An anonymous letter'],
        ['q.details', 'Enclosed a printed e-mail.'],
        ['q.kind', 'online'],
        ['q.platform', 'e-mail'],
        ['files', { filename: 'letter.txt', content: `The letter says ${MARKER}\n`, type: 'text/plain' }],
      ]);
      const res = await handlerClient.postRaw(`/admin/intake/${f.questionnaireId}`, body, contentType);
      assert.equal(res.statusCode, 200, res.body.slice(0, 2000));
      assert.ok(!res.body.includes('data-testid="receipt-code"'), 'no receipt code');
      const reference = /data-testid="reference">(R-[0-9A-Z-]+)</.exec(res.body)![1]!;
      const row = await t.db.handle.db
        .selectFrom('reports')
        .selectAll()
        .where('reference', '=', reference)
        .executeTakeFirstOrThrow();
      assert.equal(row.source, 'letter');
      assert.equal(row.receipt_lookup, null);
      assert.equal(row.file_count, 1);
      assert.equal(row.received_at, Date.UTC(2026, 10, 20, 9, 5));
      const files = await t.db.handle.db
        .selectFrom('report_files')
        .selectAll()
        .where('report_id', '=', row.id)
        .execute();
      assert.equal(files.length, 1);
      const key = await contentKeyFor(t, row.id, f.recipient.privateKey, f.recipient.keyId);
      const chunks: Buffer[] = [];
      for await (const c of reportsOf(t.app.vigil).attachments.read(files[0]!.id, key)) chunks.push(c);
      assert.equal(Buffer.concat(chunks).toString('utf8'), `The letter says ${MARKER}\n`);
    });

    it('keeps what was typed when a file is refused, and keeps no file', async () => {
      const { page, submission } = await openForm(handlerClient, f.questionnaireId);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      const dir = path.join(t.config.dataDir, 'reports', 'files');
      const before = fs.readdirSync(dir).length;
      const count = await reportCount();
      const { body, contentType } = multipartBody([
        ['_csrf', csrf],
        ['submission', submission],
        ['source', 'walk-in'],
        ['receivedDate', '2026-11-21'],
        ['receivedTime', '10:00'],
        ['zone', '0'],
        ['identityMode', 'anonymous'],
        ['q.summary', 'Brought a USB stick'],
        ['q.details', `Typed before the file was refused ${MARKER}`],
        ['q.kind', 'in-person'],
        ['files', { filename: 'good.txt', content: 'A readable note\n', type: 'text/plain' }],
        [
          'files',
          {
            filename: 'tool.exe',
            content: Buffer.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff]),
          },
        ],
      ]);
      const res = await handlerClient.postRaw(`/admin/intake/${f.questionnaireId}`, body, contentType);
      assert.equal(res.statusCode, 400, res.body.slice(0, 1000));
      assert.match(res.body, /tool\.exe/);
      assert.ok(res.body.includes(`Typed before the file was refused ${MARKER}`), 'the answers are kept');
      assert.match(res.body, /value="walk-in" checked/);
      assert.match(res.body, /choose them again|请重新选择文件/);
      assert.equal(await reportCount(), count, 'nothing was recorded');
      assert.equal(fs.readdirSync(dir).length, before, 'no file was kept');
    });

    it('re-renders with everything typed kept when something is wrong (400)', async () => {
      const { submission } = await openForm(handlerClient, f.questionnaireId);
      const count = await reportCount();
      const cases: [Record<string, string | string[]>, RegExp][] = [
        [{ 'q.summary': '' }, /An answer is needed here|此处需要填写/],
        [{ receivedDate: '2026-11-23' }, /in the future|在未来/],
        [{ receivedDate: '2026-02-30' }, /real date|有效的日期/],
        [{ receivedTime: '25:00' }, /real date|有效的日期/],
        [{ zone: '17' }, /real date|有效的日期/],
        [{ source: 'carrier-pigeon' }, /error-summary/],
        [{ identityMode: 'named', name: '' }, /f-name-error/],
        [{ identityMode: 'anonymous' }, /report is anonymous|举报为匿名/],
        [{ 'q.kind': 'by-sea' }, /not one of the possible answers|不是可选的答案/],
      ];
      for (const [fields, message] of cases) {
        const res = await record(handlerClient, f.questionnaireId, { submission, ...fields });
        assert.equal(res.statusCode, 400, JSON.stringify(fields));
        assert.match(res.body, message, JSON.stringify(fields));
        assert.match(res.body, /class="error-summary"/);
        assert.ok(
          res.body.includes('Approached after a trade fair and asked for the design files.'),
          'answers kept',
        );
        assert.ok(res.body.includes(CONTACT), 'contact kept');
        assert.match(res.body, /value="documents" checked/);
      }
      assert.equal(await reportCount(), count, 'nothing was recorded');
    });

    it('refuses reviewers and editors', async () => {
      for (const role of ['reviewer', 'editor'] as const) {
        const c = await signIn(t, await createStaff(t, `intake-${role}`, [role]));
        assert.equal((await c.get('/admin/intake')).statusCode, 403);
        assert.equal((await c.get(`/admin/intake/${f.questionnaireId}`)).statusCode, 403);
        const res = await c.postForm(`/admin/intake/${f.questionnaireId}`, {
          ...ANSWER_FIELDS,
          source: 'phone',
        });
        assert.equal(res.statusCode, 403);
      }
      const supervisor = await signIn(t, await createStaff(t, 'intake-supervisor', ['supervisor']));
      assert.equal((await supervisor.get('/admin/intake')).statusCode, 200);
    });

    it('offers channels closed to the public, and explains those nobody could read', async () => {
      const closed = await openReportChannel(t, { open: false });
      const orphan = await openReportChannel(t);
      await t.db.handle.db
        .deleteFrom('channel_recipients')
        .where('channel_id', '=', orphan.channelId)
        .execute();
      const keyless = await openReportChannel(t);
      await t.db.handle.db
        .updateTable('staff_keys')
        .set({ status: 'retired' })
        .where('id', '=', keyless.recipient.keyId)
        .execute();
      reportsOf(t.app.vigil).directory.invalidate();

      handlerClient.lang = 'en';
      const list = await handlerClient.get('/admin/intake');
      assert.equal(list.statusCode, 200);
      assert.ok(list.body.includes(`href="/admin/intake/${f.questionnaireId}"`));
      assert.ok(list.body.includes(`href="/admin/intake/${closed.questionnaireId}"`));
      assert.match(list.body, /Not open to the public/);
      assert.ok(!list.body.includes(`href="/admin/intake/${orphan.questionnaireId}"`));
      assert.ok(!list.body.includes(`href="/admin/intake/${keyless.questionnaireId}"`));
      assert.match(list.body, /this channel has no recipients/);
      assert.match(list.body, /can read reports yet/);
      assert.equal((await handlerClient.get(`/admin/intake/${orphan.questionnaireId}`)).statusCode, 409);
      assert.equal((await handlerClient.get('/admin/intake/no-such-thing')).statusCode, 404);

      const { submission } = await openForm(handlerClient, closed.questionnaireId);
      const res = await record(handlerClient, closed.questionnaireId, { submission, source: 'walk-in' });
      assert.equal(res.statusCode, 200, res.body.slice(0, 2000));
      const refused = await record(handlerClient, orphan.questionnaireId, { submission: 'x'.repeat(43) });
      assert.equal(refused.statusCode, 409);
      handlerClient.lang = undefined;
    });

    it('mails each recipient once per new report, over SMTP, with nothing of the reports', async () => {
      const db = t.db.handle.db;
      // A second recipient on the main channel, and an address for both.
      const second = await createStaff(t, 'second-recipient', ['handler']);
      await db
        .insertInto('staff_keys')
        .values({
          id: crypto.randomUUID(),
          staff_id: second.id,
          public_key: generateKeyPair().publicKey,
          wrapped_private_key: randomBytes(60),
          status: 'active',
          created_at: t.clock.now(),
          retired_at: null,
        })
        .execute();
      await db
        .insertInto('channel_recipients')
        .values({ channel_id: f.channelId, staff_id: second.id, added_at: t.clock.now() })
        .execute();
      await db
        .updateTable('staff')
        .set({ email: 'first@example.org' })
        .where('id', '=', f.recipient.staffId)
        .execute();
      await db
        .updateTable('staff')
        .set({ email: 'second@example.org' })
        .where('id', '=', second.id)
        .execute();
      reportsOf(t.app.vigil).directory.invalidate();

      // Everything so far is announced first.
      t.clock.advance(SETTLE_MS + 1);
      await worker.runOnce();
      t.clock.advance(15_000);
      await worker.runOnce();
      sink.clear();
      assert.equal(
        (await notifyChannel(t.app.vigil, { channelId: f.channelId }, worker.log)).skipped,
        'nothing-new',
      );

      // Two new reports, one through the web path's service and one recorded by staff.
      const intake = reportsOf(t.app.vigil).intake;
      const r1 = await intake.submit({
        questionnaireId: f.questionnaireId,
        answers: { summary: MARKER, details: `More about ${MARKER}`, kind: 'in-person' },
        identity: { mode: 'confidential', contact: CONTACT },
        source: 'web',
        lang: 'en',
      });
      t.clock.advance(20_000);
      const { submission } = await openForm(handlerClient, f.questionnaireId);
      const recorded = await record(handlerClient, f.questionnaireId, { submission });
      assert.equal(recorded.statusCode, 200);
      const r2 = /data-testid="reference">(R-[0-9A-Z-]+)</.exec(recorded.body)![1]!;

      t.clock.advance(SETTLE_MS + 1);
      await worker.runOnce();
      assert.equal(sink.mails.length, 2, 'one mail per recipient');
      assert.deepEqual(sink.mails.map((m) => m.to[0]).sort(), ['first@example.org', 'second@example.org']);
      for (const mail of sink.mails) {
        assert.match(mail.text, /2 new reports/);
        assert.ok(mail.text.includes(`${BASE}/admin`));
        assert.match(mail.subject, /New reports/);
        for (const secret of [
          MARKER,
          r1.reference,
          r2,
          r1.receiptCode!,
          'Wang Fang',
          '139 1234',
          'trade fair',
        ])
          assert.ok(!mail.raw.includes(secret), `the mail holds no ${secret}`);
      }

      // Announced once: the follow-up run finds nothing new.
      sink.clear();
      t.clock.advance(15_000);
      await worker.runOnce();
      assert.equal(sink.mails.length, 0);
      const jobs = await db
        .selectFrom('jobs')
        .select(['status', 'last_error'])
        .where('kind', '=', 'reports.notify')
        .execute();
      assert.ok(
        jobs.every((j) => j.status === 'done'),
        JSON.stringify(jobs),
      );
    });

    it('announces a report that came in the quiet window after a notice', async () => {
      const intake = reportsOf(t.app.vigil).intake;
      const submit = (summary: string) =>
        intake.submit({
          questionnaireId: f.questionnaireId,
          answers: { summary, details: 'd', kind: 'in-person' },
          identity: { mode: 'anonymous' },
          source: 'web',
          lang: 'zh-CN',
        });
      t.clock.advance(60_000);
      await worker.runOnce();
      sink.clear();
      await submit('first');
      t.clock.advance(SETTLE_MS + 1);
      await worker.runOnce();
      assert.equal(sink.mails.length, 2);
      assert.match(sink.mails[0]!.text, /1 new report in/);
      sink.clear();
      // A moment later: intake on this node does not ask again so soon, yet the report is announced.
      t.clock.advance(1000);
      await submit('second');
      t.clock.advance(SETTLE_MS + 1);
      await worker.runOnce();
      assert.equal(sink.mails.length, 0, 'not yet: the window is quiet');
      t.clock.advance(15_000);
      await worker.runOnce();
      assert.equal(sink.mails.length, 2);
      assert.match(sink.mails[0]!.text, /1 new report in/);
      assert.match(sink.mails[0]!.text, /收到 1 份新举报/);
      sink.clear();
      t.clock.advance(15_000);
      await worker.runOnce();
      assert.equal(sink.mails.length, 0, 'and only once');
    });

    it('does nothing without SMTP, and says so in the log', async () => {
      const bare = await createTestApp(dialect);
      try {
        const g = await openReportChannel(bare);
        await reportsOf(bare.app.vigil).intake.submit({
          questionnaireId: g.questionnaireId,
          answers: { summary: 'x', details: 'y', kind: 'in-person' },
          identity: { mode: 'anonymous' },
          source: 'web',
          lang: 'en',
        });
        bare.clock.advance(SETTLE_MS + 1);
        const log = lines();
        const outcome = await notifyChannel(bare.app.vigil, { channelId: g.channelId }, log);
        assert.equal(outcome.skipped, 'no-smtp');
        assert.equal(outcome.sent, 0);
        assert.match(log.logs.join('\n'), /e-mail is not configured/);
      } finally {
        await bare.close();
      }
    });

    it('purges expired drafts and submission records, keeping live ones', async () => {
      const db = t.db.handle.db;
      const now = t.clock.now();
      await db
        .insertInto('report_drafts')
        .values([
          {
            id: 'draft-old',
            sealed_state: randomBytes(40),
            created_at: now - 7_200_000,
            updated_at: now - 4_000_000,
            expires_at: now - 1,
          },
          {
            id: 'draft-live',
            sealed_state: randomBytes(40),
            created_at: now,
            updated_at: now,
            expires_at: now + 3_600_000,
          },
        ])
        .execute();
      const report = await db.selectFrom('reports').select('id').limit(1).executeTakeFirstOrThrow();
      await db
        .insertInto('report_submissions')
        .values([
          {
            id: 'sub-old',
            report_id: report.id,
            sealed_receipt: randomBytes(40),
            created_at: now - 7_200_000,
            expires_at: now - 1,
          },
          {
            id: 'sub-live',
            report_id: report.id,
            sealed_receipt: randomBytes(40),
            created_at: now,
            expires_at: now + 1000,
          },
        ])
        .execute();
      const outcome = await purgeReports(t.app.vigil, reportsOf(t.app.vigil));
      assert.ok(outcome.drafts >= 1 && outcome.submissions >= 1);
      const drafts = (await db.selectFrom('report_drafts').select('id').execute()).map((r) => r.id);
      assert.ok(drafts.includes('draft-live') && !drafts.includes('draft-old'));
      const subs = (await db.selectFrom('report_submissions').select('id').execute()).map((r) => r.id);
      assert.ok(subs.includes('sub-live') && !subs.includes('sub-old'));
      // Through the worker too: the job kind is registered and runs clean.
      await t.app.vigil.jobs.enqueue('reports.purge', {});
      assert.equal(await worker.runOnce(), 1);
    });
  });
}
