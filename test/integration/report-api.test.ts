/**
 * The JSON intake API (/api/v1): what is offered, proof-of-work challenges, reports through the
 * same intake path as the web form (sealed for the recipients), idempotent repeats, and every
 * refusal as an RFC 9457 problem in the language asked for. No cookie is read or set and no CSRF
 * token is needed, while the forms elsewhere still need theirs.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { API_BODY_LIMIT, checkApiRoute } from '../../src/modules/reports/api.routes.ts';
import { reportsOf } from '../../src/modules/reports/module.ts';
import { CHALLENGE_TTL_MS, leadingZeroBits, solve } from '../../src/modules/reports/pow.ts';
import { normaliseReceiptCode } from '../../src/modules/reports/receipt.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import { multipartBody, type Part } from '../helpers/multipart.ts';
import {
  contentKeyFor,
  openAnswers,
  openReportChannel,
  type ReportChannelFixture,
  TEST_QUESTIONNAIRE,
} from '../helpers/reports.ts';

const BASE = 'https://channel.example.org';
const BITS = 10;
const ANSWERS = {
  summary: 'A consultant asked for the board papers',
  details: 'They wrote from mail@consult-example.com and offered money.',
  kind: 'online',
  platform: 'a professional network',
  period: { from: '2026-10-01', to: '2026-10-20' },
  signs: ['documents', 'meetings'],
  paid: 'yes',
};

function solves(challenge: string, nonce: string): boolean {
  return leadingZeroBits(crypto.createHash('sha256').update(`${challenge}:${nonce}`).digest()) >= BITS;
}

let keyCounter = 0;
function newKey(): string {
  keyCounter++;
  return `test-key-${String(keyCounter).padStart(6, '0')}-${Math.random().toString(36).slice(2, 12)}`;
}

function problemOf(res: LightMyRequestResponse, status: number) {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers['set-cookie'], undefined, 'no cookie is ever set');
  const body = JSON.parse(res.body) as {
    type: string;
    title: string;
    status: number;
    detail: string;
    errors?: Record<string, { code: string; message: string }>;
  };
  assert.equal(body.status, status);
  assert.match(body.type, /^https:\/\/channel\.example\.org\/api\/v1\/problems\/[a-z-]+$/);
  assert.ok(body.title.length > 0 && body.detail.length > 0);
  assert.doesNotMatch(res.body, /at .*\.ts:\d+|Error:|stack/i, 'no stack trace');
  return body;
}

for (const dialect of await dialects()) {
  describe(`report intake API (${dialect})`, () => {
    let t: TestApp;
    let f: ReportChannelFixture;

    before(async () => {
      t = await createTestApp(dialect, {
        VIGIL_PUBLIC_URL: BASE,
        VIGIL_REPORT_POW_BITS: String(BITS),
        VIGIL_REPORT_RATE_BURST: '100000',
        VIGIL_REPORT_RATE_PER_SECOND: '10000',
      });
      f = await openReportChannel(t);
    });
    after(async () => t.close());

    async function pow(): Promise<{ challenge: string; nonce: string }> {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/challenge' });
      assert.equal(res.statusCode, 200);
      const { challenge, bits } = JSON.parse(res.body) as { challenge: string; bits: number };
      assert.equal(bits, BITS);
      return { challenge, nonce: solve(challenge, bits) };
    }

    async function post(
      body: unknown,
      o: { key?: string | null; lang?: string; type?: string; headers?: Record<string, string> } = {},
    ): Promise<LightMyRequestResponse> {
      const headers: Record<string, string> = {
        'content-type': o.type ?? 'application/json',
        ...(o.key === null ? {} : { 'idempotency-key': o.key ?? newKey() }),
        ...(o.lang ? { 'accept-language': o.lang } : {}),
        ...o.headers,
      };
      return t.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
        headers,
      });
    }

    async function report(extra: Record<string, unknown> = {}, questionnaire = f.questionnaireId) {
      return {
        questionnaire,
        answers: ANSWERS,
        identity: { mode: 'anonymous' },
        lang: 'en',
        pow: await pow(),
        ...extra,
      };
    }

    async function reportCount(): Promise<number> {
      const row = await t.db.handle.db
        .selectFrom('reports')
        .select((e) => e.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    }

    it('lists what is offered, in both languages, and issues challenges', async () => {
      const closed = await openReportChannel(t, { open: false });
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/questionnaires' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.headers['set-cookie'], undefined);
      const body = JSON.parse(res.body) as {
        questionnaires: {
          id: string;
          kind: string;
          version: number;
          channel: { id: string };
          definition: unknown;
        }[];
        limits: { bodyBytes: number };
      };
      const q = body.questionnaires.find((x) => x.id === f.questionnaireId);
      assert.ok(q, 'the open channel is offered');
      assert.equal(q.kind, 'report');
      assert.equal(q.version, 1);
      assert.equal(q.channel.id, f.channelId);
      assert.deepEqual(q.definition, TEST_QUESTIONNAIRE);
      assert.ok(!body.questionnaires.some((x) => x.id === closed.questionnaireId), 'closed is not offered');
      assert.equal(body.limits.bodyBytes, API_BODY_LIMIT);

      const ch = await t.app.inject({ method: 'GET', url: '/api/v1/challenge' });
      assert.equal(ch.headers['cache-control'], 'no-store');
      const c = JSON.parse(ch.body) as { challenge: string; bits: number };
      assert.equal(c.bits, BITS);
      assert.match(c.challenge, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    });

    it('registers a report sealed for the recipients, with no cookie and no CSRF token', async () => {
      const before = await reportCount();
      const res = await post(
        await report({ identity: { mode: 'confidential', contact: 'Signal +86 138 0000 0000' } }),
        {
          // Whatever cookies a browser might hold are ignored: no session, no CSRF anchor, no language.
          headers: { cookie: 'vigil_csrf=abc; vigil_lang=en; vigil_session=whatever' },
          lang: 'zh-CN',
        },
      );
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.headers['set-cookie'], undefined);
      assert.equal(res.headers['cache-control'], 'no-store');
      const receipt = JSON.parse(res.body) as Record<string, string>;
      assert.match(receipt.reference!, /^R-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      assert.equal(normaliseReceiptCode(receipt.receiptCode!), receipt.receiptCode);
      assert.equal(receipt.registeredAt, new Date(t.clock.now()).toISOString());
      assert.equal(receipt.followUpUrl, `${BASE}/report/follow-up`);
      assert.equal(await reportCount(), before + 1);

      const row = await t.db.handle.db
        .selectFrom('reports')
        .selectAll()
        .where('reference', '=', receipt.reference!)
        .executeTakeFirstOrThrow();
      assert.equal(row.source, 'api');
      assert.equal(row.identity_mode, 'confidential');
      const key = await contentKeyFor(t, row.id, f.recipient.privateKey, f.recipient.keyId);
      const opened = await openAnswers(t, row.id, key);
      assert.deepEqual(opened.answers, ANSWERS);
      assert.equal(opened.lang, 'en');
    });

    it('answers a repeated Idempotency-Key with the same receipt and makes one report', async () => {
      const key = newKey();
      const body = await report({ source: 'messaging' });
      const first = await post(body, { key });
      assert.equal(first.statusCode, 201, first.body);
      const count = await reportCount();
      // The same request again (the answer was lost on the way): same receipt, no second report.
      const again = await post(body, { key });
      assert.equal(again.statusCode, 200, again.body);
      assert.deepEqual(JSON.parse(again.body), JSON.parse(first.body));
      // Even with other content, the key decides: one report per key.
      const other = await post(await report({ answers: { ...ANSWERS, summary: 'changed' } }), { key });
      assert.equal(other.statusCode, 200);
      assert.equal(JSON.parse(other.body).receiptCode, JSON.parse(first.body).receiptCode);
      assert.equal(await reportCount(), count);
      const row = await t.db.handle.db
        .selectFrom('reports')
        .select('source')
        .where('reference', '=', JSON.parse(first.body).reference)
        .executeTakeFirstOrThrow();
      assert.equal(row.source, 'messaging');
    });

    it('refuses malformed JSON, other content types and bodies too large', async () => {
      for (const raw of ['{', '{"questionnaire": }', '', 'null x', '{"__proto__": {"a": 1}}']) {
        const p = problemOf(await post(raw, { lang: 'en' }), 400);
        assert.match(p.type, /\/malformed-json$/, raw);
      }
      const zh = problemOf(await post('{', { lang: 'zh-CN' }), 400);
      assert.equal(zh.title, '请求正文不是有效的 JSON');
      const en = problemOf(await post('{', { lang: 'en-GB,en;q=0.9' }), 400);
      assert.equal(en.title, 'The body is not valid JSON');

      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
        'application/json; charset=latin1',
      ]) {
        const p = problemOf(await post(JSON.stringify(await report()), { type }), 415);
        assert.match(p.type, /\/unsupported-media-type$/, type);
      }
      const none = await t.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        payload: '{}',
        headers: { 'idempotency-key': newKey(), 'content-type': '' },
      });
      problemOf(none, 415);

      const huge = JSON.stringify({ ...(await report()), answers: { details: 'x'.repeat(API_BODY_LIMIT) } });
      const p = problemOf(await post(huge, { lang: 'zh-CN' }), 413);
      assert.equal(p.title, '请求过大');
    });

    it('names each field of a body that does not have the expected shape (400)', async () => {
      const base = await report();
      const cases: [unknown, string, string][] = [
        [{ ...base, extra: 1 }, 'extra', 'unknown-field'],
        [{ ...base, answers: { summary: 42 } }, 'answers.summary', 'wrong-type'],
        [{ ...base, answers: { details: 'x'.repeat(20_001) } }, 'answers.details', 'too-long'],
        [{ ...base, identity: { mode: 'secret' } }, 'identity.mode', 'not-an-option'],
        [{ ...base, identity: {} }, 'identity.mode', 'required'],
        [{ ...base, lang: 'fr' }, 'lang', 'not-an-option'],
        [{ ...base, version: '1' }, 'version', 'wrong-type'],
        [{ ...base, version: 0 }, 'version', 'out-of-range'],
        [{ ...base, pow: { challenge: base.pow.challenge, nonce: 5 } }, 'pow.nonce', 'wrong-type'],
        [
          { answers: {}, identity: { mode: 'anonymous' }, lang: 'en', pow: base.pow },
          'questionnaire',
          'required',
        ],
        [[base], 'body', 'wrong-type'],
      ];
      for (const [body, field, code] of cases) {
        const p = problemOf(await post(body, { lang: 'en' }), 400);
        assert.match(p.type, /\/bad-request$/);
        assert.equal(p.errors?.[field]?.code, code, `${field}: ${JSON.stringify(p.errors)}`);
        assert.ok(p.errors?.[field]?.message);
      }
      const missing = problemOf(await post(base, { key: null, lang: 'zh-CN' }), 400);
      assert.equal(missing.errors?.['Idempotency-Key']?.code, 'required');
      assert.equal(missing.errors?.['Idempotency-Key']?.message, '此处需要填写。');
      for (const key of ['short', 'x'.repeat(129), 'has spaces in it, which is not allowed']) {
        const bad = problemOf(await post(base, { key }), 400);
        assert.equal(bad.errors?.['Idempotency-Key']?.code, 'bad-format', key);
      }
      const query = await t.app.inject({ method: 'GET', url: '/api/v1/questionnaires?x=1' });
      assert.equal(problemOf(query, 400).errors?.['query.x']?.code, 'unknown-field');
    });

    it('refuses unknown questionnaires and invalid answers (422), saying which and why', async () => {
      const unknown = problemOf(await post(await report({}, 'no-such-questionnaire')), 422);
      assert.match(unknown.type, /\/unknown-questionnaire$/);
      assert.equal(unknown.errors?.questionnaire?.code, 'unknown');
      const version = problemOf(await post(await report({ version: 7 })), 422);
      assert.equal(version.errors?.version?.code, 'unknown');

      const before = await reportCount();
      const invalid = problemOf(
        await post(
          await report({
            answers: {
              details: 'x',
              kind: 'by-pigeon',
              nope: 'x',
              date: '2026-02-30',
              period: { from: '2026-10-05', to: '2026-10-01' },
            },
            identity: { mode: 'named', name: '' },
          }),
          { lang: 'zh-CN' },
        ),
        422,
      );
      assert.match(invalid.type, /\/invalid-report$/);
      assert.equal(invalid.title, '部分回答需要修改');
      const codes = Object.fromEntries(Object.entries(invalid.errors ?? {}).map(([k, v]) => [k, v.code]));
      assert.deepEqual(codes, {
        'answers.summary': 'required',
        'answers.kind': 'not-an-option',
        'answers.nope': 'unknown-question',
        'answers.date': 'bad-date',
        'answers.period': 'date-order',
        'identity.name': 'required',
        'identity.contact': 'required',
      });
      assert.equal(invalid.errors?.['answers.summary']?.message, '此处需要填写。');
      assert.equal(await reportCount(), before, 'nothing was stored');
    });

    it('requires a solved proof of work, once per challenge', async () => {
      const { challenge, nonce } = await pow();
      const base = await report();
      const missing = problemOf(await post({ ...base, pow: { challenge } }, { lang: 'en' }), 422);
      assert.match(missing.type, /\/proof-of-work$/);
      assert.equal(missing.errors?.['pow.nonce']?.code, 'pow-missing');
      assert.equal(
        problemOf(await post({ ...base, pow: { challenge, nonce: '' } }), 422).errors?.['pow.nonce']?.code,
        'pow-missing',
      );
      let wrong = 0;
      while (solves(challenge, `w${wrong}`)) wrong++;
      const bad = problemOf(await post({ ...base, pow: { challenge, nonce: `w${wrong}` } }), 422);
      assert.equal(bad.errors?.['pow.nonce']?.code, 'pow-invalid');
      // A forged challenge, however well solved, is refused.
      const forgedPow = { challenge: 'AAAA.BBBB', nonce: solve('AAAA.BBBB', BITS) };
      const forged = problemOf(await post({ ...base, pow: forgedPow }), 422);
      assert.equal(forged.errors?.['pow.challenge']?.code, 'pow-invalid');

      assert.equal((await post({ ...base, pow: { challenge, nonce } })).statusCode, 201);
      const reused = problemOf(await post({ ...base, pow: { challenge, nonce } }, { lang: 'zh-CN' }), 422);
      assert.equal(reused.errors?.['pow.challenge']?.code, 'pow-reused');

      const old = await pow();
      t.clock.advance(CHALLENGE_TTL_MS + 1000);
      const expired = problemOf(await post({ ...base, pow: old }), 422);
      assert.equal(expired.errors?.['pow.challenge']?.code, 'pow-expired');
    });

    it('answers 429 with Retry-After when the channel is busy, 503 when closed or unreadable', async () => {
      const slow = await openReportChannel(t);
      await t.db.handle.db
        .updateTable('report_channels')
        .set({ max_per_minute: 2 })
        .where('id', '=', slow.channelId)
        .execute();
      reportsOf(t.app.vigil).directory.invalidate();
      let busy: LightMyRequestResponse | undefined;
      for (let i = 0; i < 5 && !busy; i++) {
        const res = await post(await report({}, slow.questionnaireId));
        if (res.statusCode === 429) busy = res;
        else assert.equal(res.statusCode, 201, res.body);
      }
      assert.ok(busy, 'the channel limit was reached');
      const p = problemOf(busy, 429);
      assert.match(p.type, /\/busy$/);
      assert.equal(busy.headers['retry-after'], '30');

      const closed = await openReportChannel(t, { open: false });
      const c = problemOf(await post(await report({}, closed.questionnaireId), { lang: 'en' }), 503);
      assert.match(c.type, /\/channel-closed$/);

      const orphan = await openReportChannel(t);
      await t.db.handle.db
        .deleteFrom('channel_recipients')
        .where('channel_id', '=', orphan.channelId)
        .execute();
      reportsOf(t.app.vigil).directory.invalidate();
      const n = problemOf(await post(await report({}, orphan.questionnaireId), { lang: 'zh-CN' }), 503);
      assert.match(n.type, /\/no-recipient$/);
      assert.equal(n.title, '发送到此处的举报无人能够阅读');
    });

    it('answers unknown addresses with a problem, and describes each problem type', async () => {
      for (const [method, url] of [
        ['GET', '/api/v1/nothing-here'],
        ['GET', '/api/v1/reports'],
        ['DELETE', '/api/v1/reports'],
      ] as const) {
        const p = problemOf(await t.app.inject({ method, url, headers: { 'accept-language': 'en' } }), 404);
        assert.match(p.type, /\/not-found$/);
      }
      const busy = await t.app.inject({
        method: 'GET',
        url: '/api/v1/problems/busy',
        headers: { 'accept-language': 'zh-CN' },
      });
      assert.equal(busy.statusCode, 200);
      assert.equal(JSON.parse(busy.body).title, '当前举报过多');
      problemOf(await t.app.inject({ method: 'GET', url: '/api/v1/problems/nope' }), 404);
    });

    it('keeps the CSRF exemption to the API, which reads no cookie', async () => {
      assert.doesNotThrow(() =>
        checkApiRoute({ url: '/api/v1/reports', config: { csrf: false, access: 'public' } }),
      );
      for (const route of [
        { url: '/report', config: { csrf: false, access: 'public' } },
        { url: '/api/v2/reports', config: { csrf: false, access: 'public' } },
        { url: '/api/v1/reports', config: { access: 'public' } },
        { url: '/api/v1/reports', config: { csrf: false, access: ['admin'] } },
      ])
        assert.throws(() => checkApiRoute(route), JSON.stringify(route));
      // A language cookie is not read: Accept-Language decides.
      const zh = problemOf(await post('{', { lang: 'zh-CN', headers: { cookie: 'vigil_lang=en' } }), 400);
      assert.equal(zh.title, '请求正文不是有效的 JSON');
    });

    it('keeps the CSRF check on every form outside the API', async () => {
      const c = t.client();
      await c.get('/admin/sign-in');
      const res = await c.postForm('/admin/sign-in', { username: 'x', password: 'y' }, { csrf: false });
      assert.equal(res.statusCode, 403);
      // And the API does not set or need the CSRF cookie.
      const api = await post(await report(), { headers: { cookie: `vigil_csrf=${'a'.repeat(43)}` } });
      assert.equal(api.statusCode, 201);
      assert.equal(api.headers['set-cookie'], undefined);
    });

    describe('with files (multipart)', () => {
      const dir = () => path.join(t.config.dataDir, 'reports', 'files');
      const stored = () => fs.readdirSync(dir()).length;
      async function postParts(parts: Part[], o: { key?: string; lang?: string } = {}) {
        const { body, contentType } = multipartBody(parts);
        return t.app.inject({
          method: 'POST',
          url: '/api/v1/reports',
          payload: body,
          headers: {
            'content-type': contentType,
            'idempotency-key': o.key ?? newKey(),
            ...(o.lang ? { 'accept-language': o.lang } : {}),
          },
        });
      }
      const text = (n: string, content = `Evidence ${n} for the file test\n`): Part => [
        'file',
        { filename: n, content, type: 'text/plain' },
      ];
      const exe: Part = [
        'files',
        { filename: 'tool.exe', content: Buffer.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 0xff]) },
      ];

      it('seals the files with the report and says what became of them', async () => {
        const key = newKey();
        const parts: Part[] = [
          ['report', JSON.stringify(await report())],
          text('note.txt'),
          text('more.txt'),
        ];
        const res = await postParts(parts, { key });
        assert.equal(res.statusCode, 201, res.body);
        const receipt = JSON.parse(res.body) as {
          reference: string;
          files: { name: string; type: string; removed: string[] }[];
        };
        assert.deepEqual(
          receipt.files.map((f) => [f.name, f.type]),
          [
            ['note.txt', 'text/plain'],
            ['more.txt', 'text/plain'],
          ],
        );
        const row = await t.db.handle.db
          .selectFrom('reports')
          .select(['id', 'file_count'])
          .where('reference', '=', receipt.reference)
          .executeTakeFirstOrThrow();
        assert.equal(row.file_count, 2);
        const files = await t.db.handle.db
          .selectFrom('report_files')
          .select('id')
          .where('report_id', '=', row.id)
          .execute();
        const contentKey = await contentKeyFor(t, row.id, f.recipient.privateKey, f.recipient.keyId);
        const texts: string[] = [];
        for (const file of files) {
          const chunks: Buffer[] = [];
          for await (const c of reportsOf(t.app.vigil).attachments.read(file.id, contentKey)) chunks.push(c);
          texts.push(Buffer.concat(chunks).toString('utf8'));
        }
        assert.deepEqual(texts.sort(), [
          'Evidence more.txt for the file test\n',
          'Evidence note.txt for the file test\n',
        ]);
        assert.deepEqual(
          (await openAnswers(t, row.id, contentKey)).files.sort(),
          files.map((x) => x.id).sort(),
        );

        // The same key again: the same receipt, and nothing more is stored.
        const before = stored();
        const again = await postParts(parts, { key });
        assert.equal(again.statusCode, 200, again.body);
        assert.equal(JSON.parse(again.body).receiptCode, JSON.parse(res.body).receiptCode);
        assert.equal(stored(), before);
      });

      it('stores nothing for a request that does not become a report', async () => {
        const before = stored();
        const count = await reportCount();
        const base = await report();
        const refusedFile = problemOf(
          await postParts([['report', JSON.stringify(base)], text('ok.txt'), exe], { lang: 'en' }),
          422,
        );
        assert.match(refusedFile.type, /\/invalid-report$/);
        assert.equal(refusedFile.errors?.['files.1']?.code, 'file-type');
        const fileFirst = problemOf(
          await postParts([text('early.txt'), ['report', JSON.stringify(await report())]]),
          400,
        );
        assert.equal(fileFirst.errors?.report?.code, 'required');
        const noPow = problemOf(
          await postParts([
            ['report', JSON.stringify({ ...base, pow: { challenge: base.pow.challenge } })],
            text('x.txt'),
          ]),
          422,
        );
        assert.equal(noPow.errors?.['pow.nonce']?.code, 'pow-missing');
        problemOf(await postParts([['report', '{"questionnaire": '], text('y.txt')]), 400);
        const badShape = problemOf(
          await postParts([['report', JSON.stringify({ ...(await report()), extra: 1 })], text('z.txt')]),
          400,
        );
        assert.equal(badShape.errors?.extra?.code, 'unknown-field');
        const invalid = problemOf(
          await postParts([
            ['report', JSON.stringify(await report({ answers: { summary: '' } }))],
            text('w.txt'),
          ]),
          422,
        );
        assert.equal(invalid.errors?.['answers.details']?.code, 'required');
        const many = Array.from({ length: 11 }, (_, i) => text(`n${i}.txt`));
        const tooMany = problemOf(
          await postParts([['report', JSON.stringify(await report())], ...many]),
          422,
        );
        assert.equal(tooMany.errors?.['files.10']?.code, 'too-many');
        assert.equal(await reportCount(), count, 'no report');
        assert.equal(stored(), before, 'no file left behind');
      });

      it('takes a multipart report without files', async () => {
        const res = await postParts([['report', JSON.stringify(await report())]]);
        assert.equal(res.statusCode, 201, res.body);
        assert.deepEqual(JSON.parse(res.body).files, []);
        const stray = problemOf(
          await postParts([
            ['report', JSON.stringify(await report())],
            ['other', 'x'],
          ]),
          400,
        );
        assert.equal(stray.errors?.other?.code, 'unknown-field');
      });
    });

    it('logs nothing of the report', async () => {
      const marker = 'Marker-Api-Logged-7731';
      await post(await report({ answers: { ...ANSWERS, summary: marker } }));
      await post(`{"x": "${marker}"`);
      assert.ok(!t.logs().includes(marker));
    });
  });
}
