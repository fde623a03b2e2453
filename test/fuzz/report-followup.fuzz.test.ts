/**
 * Property-based fuzzing of the follow-up mailbox: random receipt codes and random reply forms
 * (hostile text, unknown question ids, random files and names, broken multipart bodies) never
 * produce a 5xx, and never leave a temporary file behind.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { reportsOf } from '../../src/modules/reports/module.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { dialects } from '../helpers/databases.ts';
import { hostileString as hostile } from '../helpers/fuzz.ts';
import type { HttpClient } from '../helpers/http-client.ts';
import { multipartBody, type Part } from '../helpers/multipart.ts';
import { openReportChannel } from '../helpers/reports.ts';

const hostileString = fc.oneof(
  hostile({ maxLength: 40, extra: ['%FF', '../../etc/passwd', 'O0Il1'], long: '字', longMax: 25_000 }),
  fc.stringMatching(/^[0-9A-Za-z -]{15,30}$/),
);

/** A file name as a browser would put it in a header: quotes and line breaks percent-encoded. */
const fileName = hostileString.map((s) =>
  s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A').slice(0, 300),
);

const fileContent = fc.oneof(
  fc.uint8Array({ maxLength: 4000 }).map((a) => Buffer.from(a)),
  fc.constantFrom(
    Buffer.from('plain text'),
    Buffer.from('%PDF-1.4\n'),
    Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0, 4, 0, 0]),
    Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
    Buffer.alloc(0),
  ),
);

for (const dialect of await dialects()) {
  describe(`report follow-up fuzz (${dialect})`, () => {
    let t: TestApp;
    let c: HttpClient;
    let questionId: string;
    before(async () => {
      t = await createTestApp(dialect, { VIGIL_REPORT_MAX_FILE_MB: '1', VIGIL_REPORT_MAX_FILES: '3' });
      const fx = await openReportChannel(t);
      const r = reportsOf(t.app.vigil);
      const receipt = await r.intake.submit({
        questionnaireId: fx.questionnaireId,
        answers: { summary: 'Fuzz', details: 'Fuzz details', kind: 'in-person' },
        identity: { mode: 'anonymous' },
        source: 'web',
        lang: 'en',
      });
      const { followUpOf } = await import('../../src/modules/reports/followup.service.ts');
      const { contentKeyFor } = await import('../helpers/reports.ts');
      const key = await contentKeyFor(t, receipt.reportId, fx.recipient.privateKey, fx.recipient.keyId);
      questionId = await followUpOf(t.app.vigil, r).addStaffMessage(
        receipt.reportId,
        key,
        fx.recipient.staffId,
        'Q?',
        'question',
      );
      c = t.client();
      await c.get('/report/follow-up');
      assert.equal((await c.postForm('/report/follow-up', { code: receipt.receiptCode! })).statusCode, 303);
      await c.get('/report/follow-up/mailbox');
    });
    after(() => t.close());

    it('never fails on random receipt codes', async () => {
      const guest = t.client();
      await guest.get('/report/follow-up');
      await fc.assert(
        fc.asyncProperty(fc.oneof(hostileString, fc.array(hostileString, { maxLength: 3 })), async (code) => {
          t.clock.advance(1_000);
          const res = await guest.postForm('/report/follow-up', { code });
          assert.ok([400, 413, 429].includes(res.statusCode), `status ${res.statusCode}`);
        }),
        { numRuns: 80 },
      );
      await t.db.handle.db.deleteFrom('throttles').execute();
    });

    it('never fails on random reply forms', async () => {
      const dir = reportsOf(t.app.vigil).attachments.dir;
      await fc.assert(
        fc.asyncProperty(
          hostileString,
          fc.oneof(fc.constant(undefined), fc.constant('question'), hostileString),
          fc.array(fc.tuple(fileName, fileContent), { maxLength: 4 }),
          fc.constantFrom('multipart', 'urlencoded', 'cut', 'no-token'),
          async (text, replyTo, files, shape) => {
            t.clock.advance(1_000);
            const fields: Part[] = [['text', text]];
            if (replyTo !== undefined)
              fields.push(['replyTo', replyTo === 'question' ? questionId : replyTo]);
            let res: Awaited<ReturnType<HttpClient['postRaw']>>;
            if (shape === 'urlencoded') {
              res = await c.postForm(
                '/report/follow-up/reply',
                Object.fromEntries(fields as [string, string][]),
              );
            } else {
              const parts: Part[] = [
                ...(shape === 'no-token' ? [] : ([['_csrf', c.csrf ?? '']] as Part[])),
                ...fields,
                ...files.map(([filename, content]): Part => ['files', { filename, content }]),
              ];
              const { body, contentType } = multipartBody(parts);
              res = await c.postRaw(
                '/report/follow-up/reply',
                shape === 'cut' ? body.subarray(0, Math.floor(body.length / 2)) : body,
                contentType,
              );
            }
            assert.ok(res.statusCode < 500, `status ${res.statusCode}: ${res.body.slice(0, 300)}`);
            assert.ok([303, 400, 403, 413, 422].includes(res.statusCode), `status ${res.statusCode}`);
            assert.deepEqual(
              fs.readdirSync(dir).filter((n) => n.endsWith('.part')),
              [],
            );
          },
        ),
        { numRuns: 120 },
      );
    });
  });
}
