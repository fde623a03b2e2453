/**
 * Property-based fuzzing of every page of the web report form: random and hostile fields, wrong
 * types, repeated fields, broken encodings, JSON and multipart bodies with random files, sent to a
 * draft at a random stage. Never a 5xx, never an internal detail in a page, and the draft stays a
 * readable, well-formed draft that can still be completed and sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DRAFT_COOKIE, type DraftState, DraftStore } from '../../src/modules/reports/drafts.ts';
import { solve } from '../../src/modules/reports/pow.ts';
import { allQuestions } from '../../src/modules/reports/questionnaire.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import { hostileString as hostile } from '../helpers/fuzz.ts';
import type { HttpClient } from '../helpers/http-client.ts';
import { multipartBody, type Part } from '../helpers/multipart.ts';
import { openReportChannel, type ReportChannelFixture, TEST_QUESTIONNAIRE } from '../helpers/reports.ts';

const FIELD_NAMES = [
  'q.summary',
  'q.details',
  'q.kind',
  'q.platform',
  'q.date',
  'q.period.from',
  'q.period.to',
  'q.place',
  'q.signs',
  'q.paid',
  'q.evidence',
  'action',
  'identity.mode',
  'identity.name',
  'identity.contact',
  'challenge',
  'nonce',
  'questionnaire',
  '_csrf',
  '__proto__',
  'constructor',
  'upload-5',
];

const hostileString = hostile({
  maxLength: 40,
  long: '字',
  extra: [
    '举报',
    'next',
    'back',
    'upload',
    'remove:',
    'remove:../../etc/passwd',
    'online',
    'in-person',
    'documents',
    'yes',
    'anonymous',
    'named',
    'confidential',
    '2026-02-30',
    '9999-12-31',
    '2026-10-01',
    '%FF%FE',
    "' OR 1=1 --",
  ],
});

const QUESTION_IDS = new Set(allQuestions(TEST_QUESTIONNAIRE).map((q) => q.id));
const URLS = [
  '/report/start',
  '/report/step/1',
  '/report/step/2',
  '/report/step/3',
  '/report/step/0',
  '/report/step/abc',
  '/report/identity',
  '/report/submit',
  '/report/receipt/forget',
];

/** A raw body and its content type. */
type RawBody = { body: string | Buffer; type: string };

/** A form as a browser would send it (usually with a valid CSRF token), with hostile fields. */
const urlencodedBody = (csrf: () => string | undefined) =>
  fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom(...FIELD_NAMES), hostileString), { maxLength: 14 }),
      fc.boolean(),
    )
    .map(([pairs, raw]): RawBody => {
      const params = new URLSearchParams();
      const token = csrf();
      if (token) params.append('_csrf', token);
      for (const [k, v] of pairs) params.append(k, v);
      let body = params.toString();
      if (raw) body += '&broken=%E4%B8&bad=%G1%&=&&==';
      return { body, type: 'application/x-www-form-urlencoded' };
    });

/** A multipart form with hostile fields and random files. */
const multipart = (csrf: () => string | undefined) =>
  fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom(...FIELD_NAMES), hostileString), { maxLength: 10 }),
      fc.array(
        fc.tuple(
          fc.constantFrom('upload-5', 'upload-0', 'upload-39', 'q.evidence', 'upload-99'),
          fc.string({ maxLength: 40 }),
          fc.uint8Array({ maxLength: 2000 }),
        ),
        { maxLength: 3 },
      ),
    )
    .map(([pairs, files]): RawBody => {
      const parts: Part[] = [['_csrf', csrf() ?? ''], ...pairs];
      for (const [name, filename, bytes] of files)
        parts.push([name, { filename: filename.replace(/["\r\n]/g, ''), content: Buffer.from(bytes) }]);
      const { body, contentType } = multipartBody(parts);
      return { body, type: contentType };
    });

const hostileBody = (csrf: () => string | undefined): fc.Arbitrary<RawBody> =>
  fc.oneof(
    { weight: 4, arbitrary: urlencodedBody(csrf) },
    { weight: 4, arbitrary: multipart(csrf) },
    {
      weight: 1,
      arbitrary: fc.jsonValue().map((v): RawBody => ({ body: JSON.stringify(v), type: 'application/json' })),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ maxLength: 2000 })
        .map((b): RawBody => ({ body: Buffer.from(b), type: 'multipart/form-data; boundary=x' })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<RawBody>(
        {
          body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
          type: 'multipart/form-data; boundary=x',
        },
        { body: 'plain', type: 'text/plain' },
        { body: '', type: '' },
      ),
    },
  );

function checkState(state: DraftState, steps: number): void {
  assert.equal(typeof state.questionnaireId, 'string');
  assert.ok(Number.isInteger(state.reached) && state.reached >= 0 && state.reached <= steps + 1);
  assert.ok(['anonymous', 'confidential', 'named'].includes(state.identity.mode));
  assert.equal(typeof state.identity.name, 'string');
  assert.equal(typeof state.identity.contact, 'string');
  assert.ok(Array.isArray(state.files));
  assert.equal(Buffer.from(state.contentKey, 'base64url').length, 32);
  for (const [id, value] of Object.entries(state.answers)) {
    assert.ok(QUESTION_IDS.has(id), `an answer to an unknown question ${id}`);
    const ok =
      typeof value === 'string' ||
      (Array.isArray(value) && value.every((v) => typeof v === 'string')) ||
      (typeof value === 'object' && typeof (value as { from: unknown }).from === 'string');
    assert.ok(ok, `a malformed answer ${JSON.stringify(value)}`);
  }
}

for (const dialect of await dialects()) {
  describe(`report form fuzzing (${dialect})`, () => {
    let t: TestApp;
    let fx: ReportChannelFixture;
    let drafts: DraftStore;
    const runs = dialect === 'sqlite' ? 150 : 50;

    before(async () => {
      t = await createTestApp(dialect, { VIGIL_REPORT_POW_BITS: '4', VIGIL_REPORT_MAX_FILE_MB: '1' });
      fx = await openReportChannel(t);
      drafts = new DraftStore(t.db.handle.db, t.app.vigil.keys.reporter, t.clock.now, async () => {});
    });
    after(() => t.close());

    /** A browser with a draft that has reached `stage` (0: step 1 ... 3: review). */
    async function draftAt(stage: number): Promise<HttpClient> {
      const c = t.client();
      c.lang = stage % 2 === 0 ? 'en' : 'zh-CN';
      await c.get('/report');
      await c.postForm('/report/start', { questionnaire: fx.questionnaireId });
      if (stage >= 1)
        await c.postForm('/report/step/1', {
          'q.summary': 's',
          'q.details': 'd',
          'q.kind': 'in-person',
          action: 'next',
        });
      if (stage >= 2) await c.postForm('/report/step/2', { action: 'next' });
      if (stage >= 3) await c.postForm('/report/identity', { 'identity.mode': 'anonymous', action: 'next' });
      await c.get('/report/continue');
      return c;
    }

    it('never fails, never leaks internals, never corrupts a draft', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 3 }),
          fc.constantFrom(...URLS),
          fc.boolean(),
          async (stage, url, fresh) => {
            const c = await draftAt(stage);
            if (fresh) await c.get('/report/review');
            const { body, type } = fc.sample(
              hostileBody(() => c.csrf),
              1,
            )[0] as RawBody;
            const res = await t.app.inject({
              method: 'POST',
              url,
              payload: body,
              headers: {
                ...(type ? { 'content-type': type } : {}),
                cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
              },
            });
            assert.ok(res.statusCode < 500, `${url} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
            assert.doesNotMatch(
              res.body,
              /node_modules|at async |FST_ERR|\n\s+at \S+ \(/,
              'no internals leak',
            );
            if (res.statusCode === 303)
              assert.match(String(res.headers.location), /^\/report(\/[a-z0-9/.-]*)?$/);
            const found = await drafts.load(c.cookies.get(DRAFT_COOKIE));
            if ('draft' in found) checkState(found.draft.state, TEST_QUESTIONNAIRE.steps.length);
            // Whatever arrived, the browser can go on with its report (or start a new one).
            const next = await c.get('/report/continue');
            assert.ok([303, 410].includes(next.statusCode), `continue answered ${next.statusCode}`);
            if (next.statusCode === 303 && next.headers.location !== '/report/receipt') {
              const page = await c.get(String(next.headers.location));
              assert.ok(
                [200, 303].includes(page.statusCode),
                `${next.headers.location} answered ${page.statusCode}`,
              );
            }
          },
        ),
        { numRuns: runs },
      );
    });

    it('a draft fuzzed at every step can still be finished and sent', async () => {
      const c = await draftAt(0);
      for (const url of ['/report/step/1', '/report/step/2', '/report/identity']) {
        for (const [{ body, type }] of fc.sample(fc.tuple(hostileBody(() => c.csrf)), 20)) {
          const res = await t.app.inject({
            method: 'POST',
            url,
            payload: body,
            headers: {
              ...(type ? { 'content-type': type } : {}),
              cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
            },
          });
          assert.ok(res.statusCode < 500);
        }
        // Then the real answers for this page.
        if (url === '/report/step/1')
          await c.postForm(url, {
            'q.summary': 's',
            'q.details': 'd',
            'q.kind': 'in-person',
            action: 'next',
          });
        else if (url === '/report/step/2') await c.postForm(url, { action: 'next' });
        else await c.postForm(url, { 'identity.mode': 'anonymous', action: 'next' });
      }
      const review = await c.get('/report/review');
      assert.equal(review.statusCode, 200, review.body.slice(0, 500));
      const challenge = /name="challenge" value="([^"]+)"/.exec(review.body)?.[1] ?? '';
      const sent = await c.postForm('/report/submit', { challenge, nonce: solve(challenge, 4) });
      assert.equal(sent.headers.location, '/report/receipt');
      assert.equal((await c.get('/report/receipt')).statusCode, 200);
    });
  });
}
