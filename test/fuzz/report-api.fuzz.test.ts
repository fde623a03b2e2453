/**
 * Property-based fuzzing of the JSON intake API: random bodies (near-valid reports with hostile
 * values, any JSON, broken JSON, raw bytes), random content types, Idempotency-Keys, languages
 * and addresses. Every answer is a success or a 4xx RFC 9457 problem in JSON: never a 5xx, never
 * HTML, never a cookie. Whatever was accepted decrypts for the recipient.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { solve } from '../../src/modules/reports/pow.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import { hostileString as hostile } from '../helpers/fuzz.ts';
import {
  contentKeyFor,
  openAnswers,
  openReportChannel,
  type ReportChannelFixture,
} from '../helpers/reports.ts';

const BITS = 4;

const hostileString = hostile({ maxLength: 60, extra: ['2026-02-30', 'online', 'yes'] });

const anyValue = fc.oneof(
  hostileString,
  fc.array(hostileString, { maxLength: 40 }),
  fc.record({ from: hostileString, to: hostileString }, { requiredKeys: [] }),
  fc.constantFrom(null, true, 0, -1, 1.5, [], {}),
  fc.jsonValue({ maxDepth: 3 }),
);

const QUESTION_IDS = [
  'summary',
  'details',
  'kind',
  'platform',
  'date',
  'period',
  'place',
  'signs',
  'paid',
  'evidence',
];

const text = fc.oneof({ weight: 15, arbitrary: fc.string({ maxLength: 100 }) }, hostileString);

/** Mostly plausible answers to the test questionnaire, with hostile ones mixed in. */
const plausible = fc.record(
  {
    summary: fc.oneof({ weight: 4, arbitrary: fc.constant('A person asked for files') }, text),
    details: fc.oneof({ weight: 4, arbitrary: fc.constant('At a trade fair') }, text),
    kind: fc.constantFrom('online', 'in-person', 'by-sea', ''),
    platform: text,
    date: fc.constantFrom('2026-10-01', '2026-02-30', '2027-01-01', 'yesterday', ''),
    period: fc.oneof(
      fc.constant({ from: '2026-10-01', to: '2026-10-02' }),
      fc.record({ from: text, to: text }, { requiredKeys: [] }),
    ),
    place: text,
    signs: fc.oneof(fc.subarray(['documents', 'photos', 'meetings']), fc.array(text, { maxLength: 4 })),
    paid: fc.constantFrom('yes', 'no', 'maybe', ''),
  },
  { requiredKeys: ['summary', 'details', 'kind'] },
);

const answers = fc.oneof(
  { weight: 6, arbitrary: plausible },
  {
    weight: 1,
    arbitrary: fc.dictionary(
      fc.oneof(fc.constantFrom(...QUESTION_IDS), fc.string({ maxLength: 50 })),
      anyValue,
      {
        maxKeys: 15,
      },
    ),
  },
  { weight: 1, arbitrary: anyValue },
);

const identity = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ mode: 'anonymous' }) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        mode: fc.constantFrom('confidential', 'named'),
        name: fc.oneof({ weight: 3, arbitrary: fc.constant('Li Lei') }, text),
        contact: fc.oneof({ weight: 3, arbitrary: fc.constant('+86 138 0000 0000') }, text),
      },
      { requiredKeys: ['mode'] },
    ),
  },
);

type Pow = { challenge: string; nonce: string };

/** One part of the report replaced by something hostile, or removed. */
const mutation = fc.oneof(
  fc.tuple(
    fc.constantFrom('questionnaire', 'version', 'answers', 'identity', 'lang', 'source', 'pow', 'extra'),
    anyValue,
  ),
  fc.tuple(
    fc.constant('identity'),
    fc.record(
      { mode: hostileString, name: anyValue, contact: anyValue, other: anyValue },
      { requiredKeys: [] },
    ),
  ),
  fc.tuple(
    fc.constant('pow'),
    fc.record({ challenge: hostileString, nonce: hostileString }, { requiredKeys: [] }),
  ),
  fc.tuple(fc.constant('pow'), fc.constant('__unsolved__')),
  fc.tuple(fc.constant('version'), fc.integer({ min: -2, max: 3 })),
  fc.tuple(fc.constant('source'), fc.constantFrom('web', 'phone')),
  fc.tuple(
    fc.constantFrom('questionnaire', 'answers', 'identity', 'lang', 'pow').map((k) => `delete:${k}`),
    fc.constant(null),
  ),
);

/** A body: a plausible report, often with one part replaced or removed; or anything at all. */
function bodies(questionnaireId: () => string, pow: () => Pow) {
  const report = fc
    .record({
      answers,
      identity,
      lang: fc.constantFrom('en', 'zh-CN'),
      source: fc.constantFrom(undefined, 'api', 'messaging'),
      mutations: fc.oneof(
        { weight: 2, arbitrary: fc.constant([]) },
        fc.array(mutation, { minLength: 1, maxLength: 2 }),
      ),
    })
    .map(({ mutations, ...r }) => {
      const out: Record<string, unknown> = { questionnaire: questionnaireId(), ...r, pow: pow() };
      for (const [key, value] of mutations) {
        if (key.startsWith('delete:')) delete out[key.slice(7)];
        else if (value === '__unsolved__') out.pow = { challenge: pow().challenge };
        else out[key] = value;
      }
      for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
      return JSON.stringify(out);
    });
  return fc.oneof(
    { weight: 6, arbitrary: report },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: report.map((s) => s.slice(0, Math.floor(s.length / 2))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '{}',
        'null',
        '[]',
        '{"__proto__":{"x":1}}',
        '{"constructor":{"prototype":{}}}',
      ),
    },
  );
}

const contentType = fc.oneof(
  { weight: 20, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/problem+json',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

const idempotencyKey = fc.oneof(
  { weight: 20, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{22,64}$/) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

const acceptLanguage = fc.oneof(
  fc.constantFrom(undefined, 'en', 'zh-CN', 'zh', 'fr', 'en;q=0, zh;q=0', '*'),
  fc.string({ maxLength: 60 }),
);

for (const dialect of await dialects()) {
  describe(`report API fuzzing (${dialect})`, () => {
    let t: TestApp;
    let f: ReportChannelFixture;
    const runs = dialect === 'sqlite' ? 300 : 100;

    before(async () => {
      t = await createTestApp(dialect, {
        VIGIL_REPORT_POW_BITS: String(BITS),
        VIGIL_REPORT_RATE_BURST: '1000000',
        VIGIL_REPORT_RATE_PER_SECOND: '100000',
      });
      f = await openReportChannel(t);
    });
    after(() => t.close());

    const pow = (): Pow => {
      const challenge = (t.app.vigil.services.get('reports') as { pow: { issue(): string } }).pow.issue();
      return { challenge, nonce: solve(challenge, BITS) };
    };

    function checkAnswer(
      res: { statusCode: number; headers: Record<string, unknown>; body: string },
      what: string,
    ) {
      assert.ok(res.statusCode < 500, `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`);
      assert.equal(res.headers['set-cookie'], undefined, `${what}: no cookie`);
      assert.equal(res.headers['cache-control'], 'no-store', what);
      if (res.statusCode >= 400) {
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/, what);
        const p = JSON.parse(res.body) as Record<string, unknown>;
        assert.equal(p.status, res.statusCode, what);
        for (const k of ['type', 'title', 'detail']) assert.equal(typeof p[k], 'string', `${what}: ${k}`);
        if (p.errors !== undefined) {
          for (const e of Object.values(p.errors as Record<string, { code: unknown; message: unknown }>)) {
            assert.equal(typeof e.code, 'string', what);
            assert.equal(typeof e.message, 'string', what);
          }
        }
      } else {
        assert.match(String(res.headers['content-type']), /^application\/json/, what);
        JSON.parse(res.body);
      }
    }

    it('answers every report body with a success or a 4xx problem', async () => {
      const accepted: string[] = [];
      await fc.assert(
        fc.asyncProperty(
          bodies(() => f.questionnaireId, pow),
          contentType,
          idempotencyKey,
          acceptLanguage,
          async (body, type, key, lang) => {
            const res = await t.app.inject({
              method: 'POST',
              url: '/api/v1/reports',
              payload: body,
              headers: {
                ...(type ? { 'content-type': type } : {}),
                ...(key !== undefined ? { 'idempotency-key': key } : {}),
                ...(lang !== undefined ? { 'accept-language': lang } : {}),
                cookie: 'vigil_session=x; vigil_csrf=y',
              },
            });
            checkAnswer(res, `${type} ${String(body).slice(0, 120)}`);
            if (res.statusCode === 201) accepted.push(JSON.parse(res.body).reference);
          },
        ),
        { numRuns: runs },
      );
      // Whatever was accepted is a whole report the recipient can open.
      for (const reference of accepted.slice(0, 10)) {
        const row = await t.db.handle.db
          .selectFrom('reports')
          .select('id')
          .where('reference', '=', reference)
          .executeTakeFirstOrThrow();
        const key = await contentKeyFor(t, row.id, f.recipient.privateKey, f.recipient.keyId);
        const opened = await openAnswers(t, row.id, key);
        assert.equal(typeof opened.answers, 'object');
      }
    });

    it('answers any method and address under /api/v1 with JSON, never a page', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
          fc.oneof(
            fc.constantFrom('/reports', '/questionnaires', '/challenge', '/problems/busy', '/problems/x'),
            fc.webPath(),
          ),
          fc.oneof(
            fc.constant(''),
            fc.webQueryParameters().map((q) => `?${q}`),
          ),
          acceptLanguage,
          async (method, path, query, lang) => {
            const res = await t.app.inject({
              method,
              url: `/api/v1${path.startsWith('/') ? '' : '/'}${path}${query}`,
              headers: { ...(lang !== undefined ? { 'accept-language': lang } : {}) },
            });
            assert.ok(res.statusCode < 500, `${method} ${path}${query} → ${res.statusCode}`);
            assert.equal(res.headers['set-cookie'], undefined);
            if (method !== 'HEAD')
              assert.doesNotMatch(
                String(res.headers['content-type']),
                /text\/html/,
                `${method} ${path}${query}`,
              );
          },
        ),
        { numRuns: runs },
      );
    });
  });
}
