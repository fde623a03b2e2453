/**
 * What a stolen database reveals of reports: nothing a reporter wrote or sent. Reports go in through
 * the web form without JavaScript (answers, a confidential contact, an uploaded file), the JSON API
 * and the follow-up mailbox (a reply with a file), each carrying unique markers; then the raw SQLite
 * file and its WAL (or a pg_dump), the files under the data directory and the logs are searched for
 * every marker, as text and in hex and base64.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { solve } from '../../src/modules/reports/pow.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { dialects, TEST_PG_URL } from '../helpers/databases.ts';
import type { HttpClient } from '../helpers/http-client.ts';
import { multipartBody, type Part } from '../helpers/multipart.ts';
import {
  contentKeyFor,
  openAnswers,
  openReportChannel,
  type ReportChannelFixture,
} from '../helpers/reports.ts';

const unique = (label: string) => `${label}-${crypto.randomBytes(6).toString('hex')}`;

async function databaseBytes(t: TestApp): Promise<Buffer> {
  if (t.db.dialect === 'sqlite') {
    const file = (t.db.config as { file: string }).file;
    return Buffer.concat(
      [file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)),
    );
  }
  return execFileSync('pg_dump', ['--no-owner', `--schema=${t.db.schema}`, TEST_PG_URL], {
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** Every file under the data directory (attachments, the SQLite files, anything else written there). */
function dataDirBytes(dir: string): Buffer {
  const out: Buffer[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(fs.readFileSync(p));
    }
  };
  walk(dir);
  return Buffer.concat(out);
}

function assertAbsent(haystack: Buffer, markers: string[], where: string): void {
  const text = haystack.toString('latin1');
  const utf8 = haystack.toString('utf8');
  for (const m of markers) {
    const b = Buffer.from(m, 'utf8');
    for (const form of [m, b.toString('hex'), b.toString('base64'), b.toString('base64url')])
      assert.ok(!text.includes(form) && !utf8.includes(form), `${where} contains ${m}`);
  }
}

const fieldOf = (body: string, re: RegExp) => re.exec(body)?.[1] ?? '';

async function postMultipart(c: HttpClient, url: string, parts: Part[]) {
  const { body, contentType } = multipartBody([['_csrf', c.csrf ?? ''], ...parts]);
  return c.postRaw(url, body, contentType);
}

for (const dialect of await dialects()) {
  describe(`reports at rest (${dialect})`, () => {
    let t: TestApp;
    let fx: ReportChannelFixture;
    const markers: string[] = [];
    const mark = (label: string) => {
      const m = unique(label);
      markers.push(m);
      return m;
    };

    before(async () => {
      t = await createTestApp(dialect, { VIGIL_REPORT_POW_BITS: '8' });
      fx = await openReportChannel(t);
    });
    after(() => t.close());

    it('a dump, the data directory and the logs hold none of what reporters sent', async () => {
      // 1. The web form, no JavaScript: answers, a file, a confidential contact.
      const c = t.client();
      c.lang = 'en';
      await c.get('/report');
      assert.equal(
        (await c.postForm('/report/start', { questionnaire: fx.questionnaireId })).statusCode,
        303,
      );
      await c.get('/report/step/1');
      let res = await c.postForm('/report/step/1', {
        'q.summary': mark('WEB-SUMMARY'),
        'q.details': `${mark('WEB-DETAILS')} wrote from ${mark('webmail')}@example.com`,
        'q.kind': 'online',
        'q.platform': mark('WEB-PLATFORM'),
        action: 'next',
      });
      assert.equal(res.headers.location, '/report/step/2', res.body.slice(0, 500));
      const step2 = await c.get('/report/step/2');
      const uploadField =
        fieldOf(step2.body, /type="file"[^>]*name="([^"]+)"/) || fieldOf(step2.body, /name="(upload-\d+)"/);
      assert.ok(uploadField, 'the step has a file field');
      const fileText = `${mark('WEB-FILE')} the minutes of the board meeting`;
      res = await postMultipart(c, '/report/step/2', [
        ['q.place', mark('WEB-PLACE')],
        ['action', 'upload'],
        [uploadField, { filename: `${mark('WEBFILENAME')}.txt`, content: fileText }],
      ]);
      assert.equal(res.statusCode, 303, res.body.slice(0, 500));
      res = await c.postForm('/report/step/2', { 'q.place': markers.at(-2) ?? '', action: 'next' });
      assert.equal(res.headers.location, '/report/identity', res.body.slice(0, 500));
      await c.get('/report/identity');
      res = await c.postForm('/report/identity', {
        'identity.mode': 'confidential',
        'identity.name': mark('WEB-NAME'),
        'identity.contact': `+86 139 ${crypto.randomInt(1000, 9999)} ${crypto.randomInt(1000, 9999)} ${mark('WEB-CONTACT')}`,
        action: 'next',
      });
      assert.equal(res.headers.location, '/report/review', res.body.slice(0, 500));
      const review = await c.get('/report/review');
      const challenge = fieldOf(review.body, /name="challenge" value="([^"]+)"/);
      res = await c.postForm('/report/submit', { challenge, nonce: solve(challenge, 8) });
      assert.equal(res.headers.location, '/report/receipt', res.body.slice(0, 500));
      const receiptPage = await c.get('/report/receipt');
      const webCode = fieldOf(receiptPage.body, /data-testid="receipt-code"[^>]*>([^<]+)</).replace(
        /\s+/g,
        '',
      );
      assert.equal(webCode.length, 20);

      // 2. The JSON API.
      const api = t.client();
      const ch = await api.get('/api/v1/challenge');
      const apiChallenge = JSON.parse(ch.body).challenge as string;
      const apiRes = await t.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': crypto.randomBytes(18).toString('base64url'),
        },
        payload: JSON.stringify({
          questionnaire: fx.questionnaireId,
          answers: { summary: mark('API-SUMMARY'), details: mark('API-DETAILS'), kind: 'in-person' },
          identity: { mode: 'named', name: mark('API-NAME'), contact: mark('API-CONTACT') },
          lang: 'zh-CN',
          pow: { challenge: apiChallenge, nonce: solve(apiChallenge, 8) },
        }),
      });
      assert.equal(apiRes.statusCode, 201, apiRes.body);

      // 3. The follow-up mailbox: a reply with a file, signed in with the web receipt.
      const f = t.client();
      f.lang = 'en';
      await f.get('/report/follow-up');
      res = await f.postForm('/report/follow-up', { code: webCode });
      assert.equal(res.statusCode, 303, res.body.slice(0, 500));
      await f.get('/report/follow-up/mailbox');
      res = await postMultipart(f, '/report/follow-up/reply', [
        ['text', mark('REPLY-TEXT')],
        [
          'files',
          { filename: `${mark('REPLYFILENAME')}.txt`, content: `${mark('REPLY-FILE')} more evidence` },
        ],
      ]);
      assert.equal(res.statusCode, 303, res.body.slice(0, 500));

      // The recipient can read all of it: the markers are really in the sealed data.
      const web = await t.db.handle.db
        .selectFrom('reports')
        .select('id')
        .where('source', '=', 'web')
        .executeTakeFirstOrThrow();
      const key = await contentKeyFor(t, web.id, fx.recipient.privateKey, fx.recipient.keyId);
      const body = await openAnswers(t, web.id, key);
      assert.equal(body.answers.summary, markers[0]);

      // Nothing of it at rest or in the logs.
      assertAbsent(await databaseBytes(t), markers, `the ${dialect} database`);
      assertAbsent(dataDirBytes(t.db.dataDir), markers, 'the data directory');
      assertAbsent(Buffer.from(t.logs()), [...markers, webCode], 'the logs');
      const fileCount = await t.db.handle.db
        .selectFrom('report_files')
        .select((e) => e.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(fileCount.n), 2, 'both files were stored (sealed)');
    });
  });
}
