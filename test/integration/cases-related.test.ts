/**
 * Suggested links: the case page lists other cases that name the same e-mail address, phone
 * number or domain, found through the blind indexes kept at intake (no plaintext), only those the
 * reader may see, never ones already linked; one click links them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { COMMON_ENTITY } from '../../src/modules/cases/case.repository.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import {
  CASE_ANSWERS,
  caseChannel,
  makeReport,
  type SignedInStaff,
  signedInStaff,
} from '../helpers/cases.ts';
import { dialects } from '../helpers/databases.ts';

/** The references in the "cases naming the same" list of a case page. */
function suggested(body: string): string[] {
  const list = /<ul data-testid="related-cases">([\s\S]*?)<\/ul>/.exec(body);
  if (!list) return [];
  return [...list[1]!.matchAll(/<a href="\/admin\/cases\/[^"]+">(R-[0-9A-Z-]+)<\/a>/g)].map((m) => m[1]!);
}

for (const dialect of await dialects()) {
  describe(`cases naming the same (${dialect})`, () => {
    let t: TestApp;
    let handler: SignedInStaff;
    let other: SignedInStaff;
    let a: { reportId: string; reference: string };
    let b: { reportId: string; reference: string };
    let c: { reportId: string; reference: string };
    let d: { reportId: string; reference: string };

    before(async () => {
      t = await createTestApp(dialect);
      handler = await signedInStaff(t, ['handler']);
      other = await signedInStaff(t, ['handler']);
      handler.client.lang = 'en';
      const shared = await caseChannel(t, [handler.staff.id]);
      const elsewhere = await caseChannel(t, [other.staff.id]);
      a = await makeReport(t, shared);
      // The same address and phone, written differently: the blind index normalises them.
      b = await makeReport(t, shared, {
        answers: { ...CASE_ANSWERS, details: 'Wrote from MAIL@Consult-Example.com' },
      });
      c = await makeReport(t, shared, {
        answers: { ...CASE_ANSWERS, details: 'Nothing in common with the others.' },
      });
      // Names the same address but is sealed to someone else only.
      d = await makeReport(t, elsewhere);
    });
    after(() => t.close());

    it('suggests the cases the reader may see that name the same entity, and says which', async () => {
      const page = await handler.client.get(`/admin/cases/${a.reportId}`);
      assert.equal(page.statusCode, 200);
      assert.deepEqual(suggested(page.body), [b.reference]);
      assert.ok(!suggested(page.body).includes(c.reference), 'nothing shared, nothing suggested');
      assert.ok(!page.body.includes(d.reference), 'a case not shared with the reader is never named');
      assert.match(page.body, /e-mail address/);
    });

    it('links a suggestion in one click, after which it is a related case and no longer suggested', async () => {
      const page = await handler.client.get(`/admin/cases/${a.reportId}`);
      const version = /name="version" value="(\d+)"/.exec(page.body)![1]!;
      const res = await handler.client.postForm(`/admin/cases/${a.reportId}/links`, {
        version,
        reference: b.reference,
      });
      assert.equal(res.statusCode, 303);
      const link = await t.db.handle.db
        .selectFrom('case_links')
        .selectAll()
        .where('report_id', '=', a.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(link.linked_id, b.reportId);
      const after = await handler.client.get(`/admin/cases/${a.reportId}`);
      assert.deepEqual(suggested(after.body), []);
      // And from the other side too.
      const fromB = await handler.client.get(`/admin/cases/${b.reportId}`);
      assert.deepEqual(suggested(fromB.body), []);
    });

    it('leaves out what too many cases name (a mail provider), which is no lead', async () => {
      const channel = await caseChannel(t, [handler.staff.id]);
      const made: { reportId: string; reference: string }[] = [];
      for (let i = 0; i <= COMMON_ENTITY + 1; i++)
        made.push(
          await makeReport(t, channel, {
            answers: { ...CASE_ANSWERS, details: `Wrote from person${i}@big-mail.example about it` },
          }),
        );
      const page = await handler.client.get(`/admin/cases/${made[0]!.reportId}`);
      assert.deepEqual(suggested(page.body), [], 'the shared domain alone suggests nothing');
    });

    it('never suggests a case the reader cannot see, from either side', async () => {
      const page = await other.client.get(`/admin/cases/${d.reportId}`);
      assert.equal(page.statusCode, 200);
      assert.deepEqual(suggested(page.body), []);
    });
  });
}
