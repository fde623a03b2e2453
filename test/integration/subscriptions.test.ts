/**
 * Email subscriptions over real SMTP to an in-process server: double opt-in, notices per language in
 * batches with List-Unsubscribe headers, one-click unsubscribe deleting the row, retries then parking
 * when the server fails, no address in the clear in the database or the logs, and a fuzzed form that
 * never answers 5xx.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import fc from 'fast-check';
import { type SubscriptionService, subscriptionsModule } from '../../src/modules/subscriptions/module.ts';
import { Worker } from '../../src/platform/jobs/worker.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { dialects, TEST_PG_URL } from '../helpers/databases.ts';
import { HttpClient } from '../helpers/http-client.ts';
import { MailSink, type ReceivedMail } from '../helpers/mail-sink.ts';
import { insertPosts } from '../helpers/published-posts.ts';

const BASE = 'https://channel.example.org';
const SMTP_PASSWORD = 'smtp-pass-Quokka-8812';
const CONFIRM_LINK = /https:\/\/channel\.example\.org\/subscribe\/confirm\/([A-Za-z0-9_-]{43})/;
const UNSUBSCRIBE_LINK = /<https:\/\/channel\.example\.org\/unsubscribe\/([A-Za-z0-9_-]{43})>/;

async function databaseBytes(t: TestApp): Promise<Buffer> {
  if (t.db.dialect === 'sqlite') {
    await t.db.handle.db.selectFrom('subscribers').select('id').execute();
    const file = (t.db.config as { file: string }).file;
    return Buffer.concat(
      [file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)),
    );
  }
  return execFileSync('pg_dump', ['--no-owner', `--schema=${t.db.schema}`, TEST_PG_URL], {
    maxBuffer: 256 * 1024 * 1024,
  });
}

for (const dialect of await dialects()) {
  describe(`email subscriptions (${dialect})`, () => {
    let t: TestApp;
    let sink: MailSink;
    let worker: Worker;
    let service: SubscriptionService;
    /** Every address used, to look for in the dump and the logs afterwards. */
    const addresses = new Set<string>();
    const tokens = new Set<string>();

    before(async () => {
      sink = new MailSink();
      const port = await sink.start();
      t = await createTestApp(dialect, {
        VIGIL_PUBLIC_URL: BASE,
        VIGIL_SMTP_HOST: '127.0.0.1',
        VIGIL_SMTP_PORT: String(port),
        VIGIL_SMTP_TLS: 'none',
        VIGIL_SMTP_USER: 'vigil-mailer',
        VIGIL_SMTP_PASSWORD: SMTP_PASSWORD,
        VIGIL_SMTP_FROM: 'Vigil News <news@channel.example.org>',
      });
      worker = new Worker(t.app.vigil.jobs, undefined, t.app.log, { backoffMs: 1000 });
      subscriptionsModule.jobs!(worker, t.app.vigil);
      service = t.app.vigil.services.get('subscriptions') as SubscriptionService;
    });
    after(async () => {
      await t.close();
      await sink.close();
    });
    beforeEach(() => {
      sink.mode = 'accept';
      sink.refused.clear();
      sink.clear();
    });

    /** Subscribes through the form; returns the confirmation mail (after the worker ran). */
    async function subscribe(email: string, lang: 'en' | 'zh-CN', pageLang = 'zh-CN') {
      addresses.add(email);
      const c = t.client();
      c.lang = pageLang;
      const form = await c.get('/subscribe');
      assert.equal(form.statusCode, 200);
      assert.equal(form.headers['cache-control'], 'no-store');
      const res = await c.postForm('/subscribe', { email, lang });
      assert.equal(res.statusCode, 303, res.body.slice(0, 500));
      assert.equal(res.headers.location, '/subscribe?m=sent');
      await worker.runOnce();
      return c;
    }

    async function confirmFrom(mail: ReceivedMail) {
      const token = CONFIRM_LINK.exec(mail.text)![1]!;
      tokens.add(token);
      const c = t.client();
      const page = await c.get(`/subscribe/confirm/${token}`);
      assert.equal(page.statusCode, 200);
      const done = await c.postForm(`/subscribe/confirm/${token}`, {});
      assert.equal(done.statusCode, 200);
      return token;
    }

    const rowCount = async () =>
      Number(
        (
          await t.db.handle.db
            .selectFrom('subscribers')
            .select(t.db.handle.db.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    it('double opt-in: a confirmation mail with a one-time link, then a confirmed row', async () => {
      const c = await subscribe('Reader.One@Example.ORG', 'en');
      assert.equal(sink.mails.length, 1);
      const mail = sink.mails[0]!;
      assert.deepEqual(mail.to, ['Reader.One@example.org']);
      assert.equal(mail.headers.get('from'), 'Vigil News <news@channel.example.org>');
      assert.match(mail.subject, /Confirm your subscription/);
      assert.match(mail.text, CONFIRM_LINK);
      assert.deepEqual(sink.logins, [{ user: 'vigil-mailer', pass: SMTP_PASSWORD }], 'SMTP credentials used');

      const sent = await c.get('/subscribe?m=sent');
      assert.match(sent.body, /Check your inbox|请查收邮件/);
      const [row] = await t.db.handle.db.selectFrom('subscribers').selectAll().execute();
      assert.equal(row!.status, 'pending');
      assert.equal(row!.lang, 'en');

      const token = await confirmFrom(mail);
      const confirmed = await t.db.handle.db.selectFrom('subscribers').selectAll().executeTakeFirstOrThrow();
      assert.equal(confirmed.status, 'confirmed');
      assert.equal(confirmed.confirm_hash, null);
      assert.equal(
        (await t.client().get(`/subscribe/confirm/${token}`)).statusCode,
        404,
        'the link works once',
      );
      const again = t.client();
      await again.get('/subscribe');
      assert.equal((await again.postForm(`/subscribe/confirm/${token}`, {})).statusCode, 404);
    });

    it('answers the same for a new, pending or confirmed address and sends no extra mail', async () => {
      const before = await rowCount();
      // Confirmed already (other case): same answer, no mail, no new row, language unchanged.
      await subscribe('READER.ONE@example.org', 'zh-CN');
      assert.equal(sink.mails.length, 0);
      assert.equal(await rowCount(), before);
      const row = await t.db.handle.db.selectFrom('subscribers').selectAll().executeTakeFirstOrThrow();
      assert.equal(row.lang, 'en', 'a stranger cannot change a confirmed subscription');

      // Pending, asked again at once: one mail only; asked again later: a new link replaces the old.
      await subscribe('second.reader@example.net', 'zh-CN');
      assert.equal(sink.mails.length, 1);
      await subscribe('second.reader@example.net', 'zh-CN');
      assert.equal(sink.mails.length, 1, 'no second mail within ten minutes');
      t.clock.advance(11 * 60_000);
      await subscribe('second.reader@example.net', 'zh-CN');
      assert.equal(sink.mails.length, 2);
      const oldToken = CONFIRM_LINK.exec(sink.mails[0]!.text)![1]!;
      tokens.add(oldToken);
      assert.equal(
        (await t.client().get(`/subscribe/confirm/${oldToken}`)).statusCode,
        404,
        'old link replaced',
      );
      const zhMail = sink.mails[1]!;
      assert.match(zhMail.subject, /请确认订阅/);
      await confirmFrom(zhMail);
      assert.equal(await rowCount(), before + 1);
    });

    it('expires unconfirmed subscriptions after 7 days', async () => {
      await subscribe('slow.reader@example.com', 'en');
      const token = CONFIRM_LINK.exec(sink.mails[0]!.text)![1]!;
      tokens.add(token);
      t.clock.advance(7 * 86_400_000 + 1000);
      assert.equal((await t.client().get(`/subscribe/confirm/${token}`)).statusCode, 404);
      assert.equal(await service.purgePending(), 1);
    });

    it('sends notices of a newly published post in its language, with one-click unsubscribe headers', async () => {
      const [enPost, zhPost] = await insertPosts(t.db.handle.db, [
        {
          lang: 'en',
          slug: 'fake-headhunters',
          title: 'Fake headhunters',
          summary: 'Red flags.',
          publishedAt: t.clock.ms,
        },
        {
          lang: 'zh-CN',
          slug: 'fake-headhunters-zh',
          title: '虚假猎头',
          summary: '警惕迹象。',
          publishedAt: t.clock.ms,
        },
      ]);
      const events = t.app.vigil.events;
      await events.emit('post.published', { id: enPost!, lang: 'en', kind: 'post', firstTime: false });
      await events.emit('post.published', { id: enPost!, lang: 'en', kind: 'page', firstTime: true });
      assert.equal(await worker.runOnce(), 0, 'only a first publication of a post notifies');

      await events.emit('post.published', { id: enPost!, lang: 'en', kind: 'post', firstTime: true });
      await worker.runOnce();
      assert.equal(sink.mails.length, 1);
      const mail = sink.mails[0]!;
      assert.deepEqual(mail.to, ['Reader.One@example.org']);
      assert.equal(mail.subject, 'Fake headhunters');
      assert.match(mail.text, /https:\/\/channel\.example\.org\/posts\/fake-headhunters/);
      assert.match(mail.headers.get('list-unsubscribe')!, UNSUBSCRIBE_LINK);
      assert.equal(mail.headers.get('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
      const unsubscribeUrl = UNSUBSCRIBE_LINK.exec(mail.headers.get('list-unsubscribe')!)![0].slice(1, -1);
      assert.ok(mail.text.includes(unsubscribeUrl), 'the link is in the body too');
      tokens.add(UNSUBSCRIBE_LINK.exec(mail.headers.get('list-unsubscribe')!)![1]!);

      sink.clear();
      await events.emit('post.published', { id: zhPost!, lang: 'zh-CN', kind: 'post', firstTime: true });
      await worker.runOnce();
      assert.equal(sink.mails.length, 1);
      assert.deepEqual(sink.mails[0]!.to, ['second.reader@example.net']);
      assert.equal(sink.mails[0]!.subject, '虚假猎头');
      assert.match(sink.mails[0]!.text, /如需退订/);
    });

    it('one-click unsubscribe (RFC 8058) deletes the row without a cookie or CSRF token', async () => {
      const [post] = await insertPosts(t.db.handle.db, [
        {
          lang: 'en',
          slug: 'conference-approaches',
          title: 'Approaches at conferences',
          publishedAt: t.clock.ms,
        },
      ]);
      await t.app.vigil.events.emit('post.published', {
        id: post!,
        lang: 'en',
        kind: 'post',
        firstTime: true,
      });
      await worker.runOnce();
      const header = sink.mails[0]!.headers.get('list-unsubscribe')!;
      const token = UNSUBSCRIBE_LINK.exec(header)![1]!;
      const before = await rowCount();

      const page = await t.client().get(`/unsubscribe/${token}`);
      assert.equal(page.statusCode, 200, 'the link shows a button first');
      assert.equal(await rowCount(), before, 'a GET (a link scanner) deletes nothing');

      const boundary = 'vigil-test-boundary';
      const body = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
      const res = await t.app.inject({
        method: 'POST',
        url: `/unsubscribe/${token}`,
        payload: body,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      });
      assert.equal(res.statusCode, 200);
      assert.equal(await rowCount(), before - 1, 'the address is deleted');
      assert.equal((await t.client().get(`/unsubscribe/${token}`)).statusCode, 404);
      const repeat = await t.app.inject({
        method: 'POST',
        url: `/unsubscribe/${token}`,
        payload: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(repeat.statusCode, 200, 'repeating it is harmless');
      assert.equal((await t.client().get('/unsubscribe/not-a-token')).statusCode, 404);

      sink.clear();
      await t.app.vigil.events.emit('post.published', {
        id: post!,
        lang: 'en',
        kind: 'post',
        firstTime: true,
      });
      await worker.runOnce();
      assert.equal(sink.mails.length, 0, 'no more mail after unsubscribing');
    });

    it('sends in batches of 50 through follow-up jobs, skipping refused recipients', async () => {
      const db = t.db.handle.db;
      for (let i = 0; i < 120; i++) {
        const address = `bulk-${i}@readers.example.org`;
        addresses.add(address);
        await service.subscribe(address, address, 'en');
      }
      await db.updateTable('subscribers').set({ status: 'confirmed', confirm_hash: null }).execute();
      await db.deleteFrom('jobs').where('kind', '=', 'subscriptions.confirm').execute();
      sink.refused.add('bulk-7@readers.example.org');
      const [post] = await insertPosts(db, [
        { lang: 'en', slug: 'paid-surveys', title: 'Paid surveys', publishedAt: t.clock.ms },
      ]);
      await t.app.vigil.events.emit('post.published', {
        id: post!,
        lang: 'en',
        kind: 'post',
        firstTime: true,
      });
      await worker.runOnce();
      const recipients = sink.mails.flatMap((m) => m.to);
      assert.equal(recipients.length, 119, 'everyone but the refused address, each once');
      assert.equal(new Set(recipients).size, 119);
      assert.ok(!recipients.includes('bulk-7@readers.example.org'));
      const jobs = await db
        .selectFrom('jobs')
        .select(['status', 'payload'])
        .where('kind', '=', 'subscriptions.notify')
        .where('payload', 'like', `%${post}%`)
        .execute();
      assert.equal(jobs.length, 3, '120 subscribers: batches of 50, 50 and 20');
      assert.ok(jobs.every((j) => j.status === 'done'));
    });

    it('retries when the SMTP server fails, then parks the job, with no address in the error', async () => {
      const db = t.db.handle.db;
      sink.mode = 'tempfail';
      const [post] = await insertPosts(db, [
        {
          lang: 'en',
          slug: 'photography',
          title: 'Photography near sensitive sites',
          publishedAt: t.clock.ms,
        },
      ]);
      await t.app.vigil.events.emit('post.published', {
        id: post!,
        lang: 'en',
        kind: 'post',
        firstTime: true,
      });
      const job = () =>
        db
          .selectFrom('jobs')
          .selectAll()
          .where('kind', '=', 'subscriptions.notify')
          .where('payload', 'like', `%${post}%`)
          .executeTakeFirstOrThrow();
      await worker.runOnce();
      let j = await job();
      assert.equal(j.status, 'queued', 'failed once, queued for a retry');
      assert.equal(j.attempts, 1);
      assert.match(j.last_error!, /^SMTP send failed: EENVELOPE 451/);
      for (let attempt = 2; attempt <= 5; attempt++) {
        t.clock.advance(60 * 60_000);
        await worker.runOnce();
      }
      j = await job();
      assert.equal(j.status, 'parked');
      assert.equal(j.attempts, 5);
      assert.equal(sink.mails.length, 0);
      assert.match(t.logs(), /job failed: SMTP send failed/);

      // A server that goes away part-way: the rest continues later, nobody gets it twice.
      sink.mode = 'accept';
      const [next] = await insertPosts(db, [
        { lang: 'en', slug: 'insiders', title: 'Insiders being cultivated', publishedAt: t.clock.ms },
      ]);
      let delivered = 0;
      const original = sink.mails.push.bind(sink.mails);
      sink.mails.push = (...m: ReceivedMail[]) => {
        delivered += m.length;
        if (delivered === 10) sink.mode = 'tempfail';
        return original(...m);
      };
      await t.app.vigil.events.emit('post.published', {
        id: next!,
        lang: 'en',
        kind: 'post',
        firstTime: true,
      });
      await worker.runOnce();
      assert.equal(sink.mails.length, 10);
      sink.mode = 'accept';
      sink.mails.push = original;
      t.clock.advance(2 * 60_000);
      await worker.runOnce();
      const recipients = sink.mails.flatMap((m) => m.to);
      assert.equal(recipients.length, 120);
      assert.equal(new Set(recipients).size, 120, 'nobody twice');
    });

    it('rate-limits the form without recording who asked', async () => {
      const c = t.client();
      await c.get('/subscribe');
      let limited = 0;
      for (let i = 0; i < 40; i++) {
        const res = await c.postForm('/subscribe', { email: `burst-${i}@example.org`, lang: 'en' });
        addresses.add(`burst-${i}@example.org`);
        assert.ok([303, 429].includes(res.statusCode));
        if (res.statusCode === 429) {
          limited++;
          assert.match(res.body, /try again in a minute|请一分钟后再试/);
        }
      }
      assert.ok(limited > 0, 'the bucket ran dry');
      t.clock.advance(60_000);
      const later = await c.postForm('/subscribe', { email: 'burst-later@example.org', lang: 'en' });
      addresses.add('burst-later@example.org');
      assert.equal(later.statusCode, 303);
      await worker.runOnce();
    });

    it('refuses bad input with 4xx, never 5xx (fuzzed)', async () => {
      const c = t.client();
      await c.get('/subscribe');
      const bad = await c.postForm('/subscribe', { email: 'not an address', lang: 'en' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /value="not an address"/, 'what was typed is kept');
      assert.equal(
        (await c.postForm('/subscribe', { email: 'x@example.org' }, { csrf: false })).statusCode,
        403,
      );
      const field = fc.oneof(
        fc.string({ maxLength: 400 }),
        fc.emailAddress(),
        fc.constantFrom('en', 'zh-CN', '', 'fr', '\u0000', '<script>'),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(fc.constantFrom('email', 'lang', 'other', '_csrf'), fc.oneof(field, fc.array(field))),
          fc.boolean(),
          async (fields, withCsrf) => {
            t.clock.advance(5000);
            const res = await c.postForm('/subscribe', fields as Record<string, string | string[]>, {
              ...(withCsrf ? {} : { csrf: false }),
            });
            assert.ok(res.statusCode < 500, `${JSON.stringify(fields)} → ${res.statusCode}`);
          },
        ),
        { numRuns: 150 },
      );
      for (const raw of [
        '%',
        '%E0%A4%A',
        'email=%FF%FE',
        '__proto__=x&constructor=y&email=a%40example.org&email=b%40example.org&lang=en&lang=fr',
        'a'.repeat(70_000),
      ]) {
        const res = await c.postRaw('/subscribe', raw);
        assert.ok(res.statusCode < 500, `${raw.slice(0, 20)} → ${res.statusCode}`);
      }
      for (const type of ['multipart/form-data; boundary=x', 'application/json', 'text/plain']) {
        const res = await c.postRaw('/subscribe', '--x--', type);
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${type} → ${res.statusCode}`);
      }
      await worker.runOnce();
    });

    it('keeps no address, token or SMTP password in the clear in the database or the logs', async () => {
      await worker.runOnce();
      const dump = await databaseBytes(t);
      const text = dump.toString('latin1');
      const utf8 = dump.toString('utf8');
      const row = await t.db.handle.db
        .selectFrom('subscribers')
        .select('email_hash')
        .executeTakeFirstOrThrow();
      assert.ok(text.includes(row.email_hash), 'positive control: the dump holds the keyed hashes');
      const needles = [...addresses].flatMap((a) => [a, a.toLowerCase(), a.split('@')[0]!]);
      for (const n of needles.filter((x) => x.length >= 8)) {
        assert.ok(!text.includes(n) && !utf8.includes(n), `the ${dialect} database contains ${n}`);
      }
      for (const token of tokens) assert.ok(!text.includes(token), 'the database holds a working link');
      assert.ok(!text.includes(SMTP_PASSWORD));
      const logs = t.logs();
      for (const n of needles.filter((x) => x.length >= 8))
        assert.ok(!logs.includes(n), `the logs contain ${n}`);
      for (const token of tokens) assert.ok(!logs.includes(token), 'the logs hold a link');
      assert.ok(!logs.includes(SMTP_PASSWORD), 'the logs hold the SMTP password');
      assert.ok(!JSON.stringify(t.config).includes(SMTP_PASSWORD), 'the config serialises without it');
    });
  });
}

describe('email subscriptions without SMTP configured', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('sqlite');
  });
  after(() => t.close());

  it('says the site offers none and points to the feeds', async () => {
    const c = new HttpClient(t.app);
    c.lang = 'en';
    const page = await c.get('/subscribe');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /not offered/);
    assert.match(page.body, /href="\/en\/feed\.xml"/);
    await t.app.vigil.events.emit('post.published', { id: 'p', lang: 'en', kind: 'post', firstTime: true });
    const jobs = await t.db.handle.db.selectFrom('jobs').selectAll().execute();
    assert.equal(jobs.length, 0);
  });
});
