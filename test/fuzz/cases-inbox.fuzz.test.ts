/**
 * Property-based fuzzing of the case inbox: hostile query strings on GET /admin/cases and the
 * export page, and hostile bodies on the saved-filter, bulk and export forms, never produce a 5xx,
 * and a refused bulk form changes nothing (no version bump, no label, no event).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { caseChannel, makeReport, type SignedInStaff, signedInStaff } from '../helpers/cases.ts';
import { dialects } from '../helpers/databases.ts';
import { hostileString as hostile } from '../helpers/fuzz.ts';

const QUERY_KEYS = [
  'status',
  'channel',
  'category',
  'priority',
  'assignee',
  'deadline',
  'label',
  'from',
  'to',
  'ref',
  'sort',
  'after',
  'm',
  'n',
  'skip',
  '__proto__',
];
const FORM_KEYS = ['name', 'query', 'action', 'assignee', 'label', 'ids', '__proto__', 'constructor'];
const hostileString = hostile({
  extra: [
    'received',
    'me',
    'none',
    'overdue',
    'due',
    '2026-02-30',
    'R-ABCD-EFGH',
    'assign',
    'add-label',
    'remove-label',
    'eyJ4Ijox',
    'WyJkdWUiLG51bGwsIngiXQ',
    '%FF',
    "' OR 1=1 --",
  ],
  longMax: 5_000,
});

for (const dialect of await dialects()) {
  describe(`case inbox fuzz (${dialect})`, () => {
    let t: TestApp;
    let sup: SignedInStaff;
    let handler: SignedInStaff;
    let reportId = '';

    before(async () => {
      t = await createTestApp(dialect);
      sup = await signedInStaff(t, ['supervisor']);
      handler = await signedInStaff(t, ['handler']);
      const ch = await caseChannel(t, [sup.staff.id, handler.staff.id]);
      reportId = (await makeReport(t, ch)).reportId;
      await sup.client.get('/admin/cases');
      await handler.client.get('/admin/cases');
    });
    after(() => t.close());

    it('hostile query strings never cause a 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom(...QUERY_KEYS), hostileString), { maxLength: 8 }),
          fc.boolean(),
          async (pairs, asHandler) => {
            const p = new URLSearchParams();
            for (const [k, v] of pairs) p.append(k, v);
            const client = asHandler ? handler.client : sup.client;
            const res = await client.get(`/admin/cases?${p}`);
            assert.ok(res.statusCode < 500, `${res.statusCode} for ${p}`);
            const exp = await client.get(`/admin/cases/export/${encodeURIComponent(pairs[0]?.[1] ?? 'x')}`);
            assert.ok(exp.statusCode < 500);
          },
        ),
        { numRuns: 80 },
      );
    });

    it('hostile forms never cause a 5xx, and a refused bulk form changes nothing', async () => {
      const db = t.db.handle.db;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            '/admin/cases/filters',
            '/admin/cases/bulk',
            '/admin/cases/export',
            '/admin/cases/filters/x/delete',
          ),
          fc.array(fc.tuple(fc.constantFrom(...FORM_KEYS), hostileString), { maxLength: 10 }),
          fc.boolean(),
          fc.boolean(),
          async (url, pairs, asHandler, withCase) => {
            const client = asHandler ? handler.client : sup.client;
            const before = await db
              .selectFrom('reports')
              .select('version')
              .where('id', '=', reportId)
              .executeTakeFirstOrThrow();
            const fields: Record<string, string[]> = Object.create(null);
            const put = (k: string, v: string) => {
              fields[k] = [...(fields[k] ?? []), v];
            };
            for (const [k, v] of pairs) put(k, v);
            if (withCase) put('ids', reportId);
            const res = await client.postForm(url, fields);
            assert.ok(res.statusCode < 500, `${res.statusCode} on ${url}`);
            assert.ok([303, 400, 403, 404, 409].includes(res.statusCode), `${res.statusCode} on ${url}`);
            if (url === '/admin/cases/bulk' && res.statusCode !== 303) {
              const now = await db
                .selectFrom('reports')
                .select('version')
                .where('id', '=', reportId)
                .executeTakeFirstOrThrow();
              assert.equal(now.version, before.version, 'a refused form changes nothing');
            }
          },
        ),
        { numRuns: 120 },
      );
      // Whatever was saved or labelled is well-formed.
      for (const l of await db.selectFrom('case_labels').select('label').execute())
        assert.match(l.label, /^[\p{L}\p{N}\p{M} _-]{1,40}$/u);
    });
  });
}
