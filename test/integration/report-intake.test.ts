/**
 * The intake path every front end shares (IntakeService): sealing under fresh keys wrapped to the
 * channel's recipients and to the receipt, the identity sealed apart, a repeated submission key
 * answering with the first receipt (also when two race), refusals with reasons, rate limits, and
 * blind indexes of what the report names.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IntakeRefused, type IntakeRequest } from '../../src/modules/reports/intake.service.ts';
import { reportsOf } from '../../src/modules/reports/module.ts';
import { normaliseReceiptCode, RECEIPT_BITS } from '../../src/modules/reports/receipt.ts';
import { hmac, open, openWithPrivateKey, receiptSecrets } from '../../src/platform/crypto/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import {
  contentKeyFor,
  openAnswers,
  openReportChannel,
  type ReportChannelFixture,
} from '../helpers/reports.ts';

const ANSWERS = {
  summary: 'Consultant asked for the board papers',
  details: 'Contact was mail@consult-example.com, phone +86 138 0013 8000, site www.consult-example.com',
  kind: 'online',
  platform: 'a professional network',
};

function request(f: ReportChannelFixture, extra: Partial<IntakeRequest> = {}): IntakeRequest {
  return {
    questionnaireId: f.questionnaireId,
    answers: ANSWERS,
    identity: { mode: 'anonymous' },
    source: 'web',
    lang: 'en',
    ...extra,
  };
}

async function refusal(p: Promise<unknown>): Promise<IntakeRefused['refusal']> {
  try {
    await p;
  } catch (err) {
    if (err instanceof IntakeRefused) return err.refusal;
    throw err;
  }
  assert.fail('expected the report to be refused');
}

for (const dialect of await dialects()) {
  describe(`report intake (${dialect})`, () => {
    let t: TestApp;
    let f: ReportChannelFixture;
    before(async () => {
      t = await createTestApp(dialect, {
        VIGIL_REPORT_RATE_PER_SECOND: '1',
        VIGIL_REPORT_RATE_BURST: '1000',
      });
      f = await openReportChannel(t);
    });
    after(async () => t.close());

    it('seals the answers for the recipients and the receipt, and the identity apart', async () => {
      const { intake } = reportsOf(t.app.vigil);
      const r = await intake.submit(
        request(f, { identity: { mode: 'confidential', name: 'Li Lei', contact: 'li.lei@example.net' } }),
      );
      assert.equal(r.repeated, false);
      assert.match(r.reference, /^R-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      assert.ok(r.receiptCode && normaliseReceiptCode(r.receiptCode) === r.receiptCode);
      assert.ok(RECEIPT_BITS >= 80);

      const key = await contentKeyFor(t, r.reportId, f.recipient.privateKey, f.recipient.keyId);
      const body = await openAnswers(t, r.reportId, key);
      assert.deepEqual(body.answers, ANSWERS);

      const row = await t.db.handle.db
        .selectFrom('reports')
        .selectAll()
        .where('id', '=', r.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'received');
      assert.equal(row.identity_mode, 'confidential');
      // The receipt finds the report and opens the same content key.
      const secrets = receiptSecrets(t.app.vigil.keys.receipt, r.receiptCode);
      assert.equal(row.receipt_lookup, secrets.lookup);
      assert.deepEqual(
        open(secrets.wrapKey, Buffer.from(row.receipt_wrapped_key as Buffer), `report/${r.reportId}/receipt`),
        key,
      );
      // The identity has its own key: the content key does not open it.
      assert.throws(() =>
        open(key, Buffer.from(row.sealed_identity as Buffer), `report/${r.reportId}/identity`),
      );
      const wrap = await t.db.handle.db
        .selectFrom('report_key_wraps')
        .selectAll()
        .where('report_id', '=', r.reportId)
        .executeTakeFirstOrThrow();
      const identityKey = openWithPrivateKey(
        f.recipient.privateKey,
        Buffer.from(wrap.wrapped_identity_key as Buffer),
        `report/${r.reportId}/identity-key`,
      );
      const identity = JSON.parse(
        open(
          identityKey,
          Buffer.from(row.sealed_identity as Buffer),
          `report/${r.reportId}/identity`,
        ).toString(),
      );
      assert.deepEqual(identity, { mode: 'confidential', name: 'Li Lei', contact: 'li.lei@example.net' });

      // The automatic acknowledgement is in the mailbox, and one notice job is queued for the channel.
      const messages = await t.db.handle.db
        .selectFrom('report_messages')
        .selectAll()
        .where('report_id', '=', r.reportId)
        .execute();
      assert.deepEqual(
        messages.map((m) => [m.author, m.kind]),
        [['system', 'acknowledgement']],
      );
      const jobs = await t.db.handle.db
        .selectFrom('jobs')
        .select('payload')
        .where('kind', '=', 'reports.notify')
        .execute();
      assert.equal(jobs.length, 1);
      assert.deepEqual(JSON.parse(jobs[0]!.payload), { channelId: f.channelId });
    });

    it('keeps blind indexes of the e-mail, phone and domain named, not the values', async () => {
      const { intake } = reportsOf(t.app.vigil);
      const a = await intake.submit(request(f));
      const b = await intake.submit(
        request(f, { answers: { ...ANSWERS, details: 'Same person: MAIL@consult-example.com' } }),
      );
      const digest = hmac(t.app.vigil.keys.linking, 'email\nmail@consult-example.com').toString('base64url');
      const rows = await t.db.handle.db
        .selectFrom('report_entities')
        .select('report_id')
        .where('kind', '=', 'email')
        .where('digest', '=', digest)
        .execute();
      assert.ok(rows.some((r) => r.report_id === a.reportId));
      assert.ok(rows.some((r) => r.report_id === b.reportId));
      const kinds = await t.db.handle.db
        .selectFrom('report_entities')
        .select('kind')
        .where('report_id', '=', a.reportId)
        .execute();
      assert.deepEqual([...new Set(kinds.map((k) => k.kind))].sort(), ['domain', 'email', 'phone']);
    });

    it('answers a repeated submission key with the first receipt, also when two race', async () => {
      const { intake } = reportsOf(t.app.vigil);
      const key = 'draft-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
      const [one, two, three] = await Promise.all([
        intake.submit(request(f, { submissionKey: key })),
        intake.submit(request(f, { submissionKey: key })),
        intake.submit(request(f, { submissionKey: key })),
      ]);
      assert.equal(one?.reportId, two?.reportId);
      assert.equal(two?.reportId, three?.reportId);
      assert.equal(one?.receiptCode, three?.receiptCode);
      assert.equal([one, two, three].filter((r) => !r?.repeated).length, 1);
      const again = await intake.submit(request(f, { submissionKey: key }));
      assert.equal(again.repeated, true);
      assert.equal(again.reportId, one?.reportId);
    });

    it('refuses invalid answers and identities with reasons, storing nothing', async () => {
      const { intake } = reportsOf(t.app.vigil);
      const before = await t.db.handle.db
        .selectFrom('reports')
        .select(({ fn }) => fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const r = await refusal(
        intake.submit(
          request(f, {
            answers: { summary: '', kind: 'online', bogus: 'x', date: '2999-01-01' },
            identity: { mode: 'named', name: '', contact: '' },
          }),
        ),
      );
      assert.equal(r.kind, 'invalid');
      assert.ok(r.kind === 'invalid');
      assert.deepEqual(r.errors, {
        bogus: 'unknown-question',
        summary: 'required',
        details: 'required',
        platform: 'required',
        date: 'future-date',
        'identity.name': 'required',
        'identity.contact': 'required',
      });
      const afterCount = await t.db.handle.db
        .selectFrom('reports')
        .select(({ fn }) => fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(afterCount.n), Number(before.n));
    });

    it('never lets a report land where nobody can read it', async () => {
      const { intake, directory } = reportsOf(t.app.vigil);
      const closed = await openReportChannel(t, { open: false });
      assert.equal((await refusal(intake.submit(request(closed)))).kind, 'channel-closed');
      // Staff may still record into a closed channel that has a recipient.
      const staffMade = await intake.submit(
        request(closed, { source: 'phone', intakeStaffId: closed.recipient.staffId, skipRateLimits: true }),
      );
      assert.equal(staffMade.repeated, false);
      // Without a key-holding recipient, nobody may, not even staff.
      await t.db.handle.db
        .updateTable('staff_keys')
        .set({ status: 'retired' })
        .where('id', '=', closed.recipient.keyId)
        .execute();
      directory.invalidate();
      assert.equal(
        (await refusal(intake.submit(request(closed, { intakeStaffId: closed.recipient.staffId })))).kind,
        'no-recipient',
      );
      assert.equal(
        (await refusal(intake.submit(request(f, { questionnaireId: 'nope' })))).kind,
        'unknown-questionnaire',
      );
    });

    it('applies the node-wide rate limit to public intake but not to staff', async () => {
      const { intake } = reportsOf(t.app.vigil);
      const limited = await openReportChannel(t);
      await t.db.handle.db
        .updateTable('report_channels')
        .set({ max_per_minute: 2 })
        .where('id', '=', limited.channelId)
        .execute();
      reportsOf(t.app.vigil).directory.invalidate();
      await intake.submit(request(limited));
      await intake.submit(request(limited));
      assert.equal((await refusal(intake.submit(request(limited)))).kind, 'busy');
      const staff = await intake.submit(
        request(limited, {
          intakeStaffId: limited.recipient.staffId,
          skipRateLimits: true,
          source: 'letter',
        }),
      );
      assert.equal(staff.repeated, false);
      t.clock.advance(60_000);
      assert.equal((await intake.submit(request(limited))).repeated, false);
    });
  });
}
