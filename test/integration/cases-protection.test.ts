/**
 * Protection flags: set and cleared by staff the case is shared with, with optimistic concurrency;
 * "reporter at risk" raises the priority to at least high; checklist ticks record who and when;
 * every change is audited and on the timeline; others get a 404.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { caseChannel, makeReport, type SignedInStaff, signedInStaff } from '../helpers/cases.ts';
import { dialects } from '../helpers/databases.ts';

for (const dialect of await dialects()) {
  describe(`case protection (${dialect})`, () => {
    let t: TestApp;
    let handler: SignedInStaff;
    let outsider: SignedInStaff;
    let reportId: string;
    const url = () => `/admin/cases/${reportId}/protection`;
    const version = async () =>
      await t.db.handle.db
        .selectFrom('reports')
        .select(['version', 'priority', 'reporter_at_risk', 'protect_named'])
        .where('id', '=', reportId)
        .executeTakeFirstOrThrow();

    before(async () => {
      t = await createTestApp(dialect);
      handler = await signedInStaff(t, ['handler'], 'prot-handler');
      outsider = await signedInStaff(t, ['supervisor'], 'prot-outsider');
      const channel = await caseChannel(t, [handler.staff.id]);
      reportId = (await makeReport(t, channel)).reportId;
    });
    after(() => t.close());

    it('shows both flags and their checklists to staff the case is shared with only', async () => {
      const page = await handler.client.get(url());
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Reporter at risk|举报人面临风险/);
      assert.match(page.body, /Protect the person named|保护被举报人/);
      assert.equal((await outsider.client.get(url())).statusCode, 404);
      await outsider.client.get('/admin');
      const res = await outsider.client.postForm(url(), { flag: 'reporter-at-risk', on: '1', version: '1' });
      assert.equal(res.statusCode, 404);
    });

    it('sets "reporter at risk", raising the priority to high', async () => {
      const v = await version();
      assert.equal(v.priority, 2);
      await handler.client.get(url());
      const res = await handler.client.postForm(url(), {
        flag: 'reporter-at-risk',
        on: '1',
        version: String(v.version),
      });
      assert.equal(res.statusCode, 303);
      const after = await version();
      assert.equal(after.reporter_at_risk, 1);
      assert.equal(after.priority, 3);
      assert.equal(after.version, v.version + 1);
      const audit = await t.db.handle.db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'case.protection-set')
        .executeTakeFirstOrThrow();
      assert.match(audit.details, /reporter-at-risk/);
      // The case page's timeline says what happened in words, in the reader's language.
      handler.client.lang = 'en';
      const page = await handler.client.get(`/admin/cases/${reportId}`);
      assert.match(page.body, /set the flag “Reporter at risk”/);
      assert.match(page.body, /set the priority to High/);
      handler.client.lang = 'zh-CN';
      const zh = await handler.client.get(`/admin/cases/${reportId}`);
      assert.match(zh.body, /设置了标记“举报人面临风险”/);
      handler.client.lang = undefined;
    });

    it('refuses a stale version with 409 and keeps the ticks', async () => {
      const v = await version();
      await handler.client.get(url());
      const stale = await handler.client.postForm(`${url()}/checklist`, {
        flag: 'reporter-at-risk',
        items: ['risk-assessed', 'safe-contact'],
        version: String(v.version - 1),
      });
      assert.equal(stale.statusCode, 409);
      assert.match(stale.body, /Someone else changed|其他人更改/);
      assert.match(stale.body, /value="risk-assessed" checked/);
      const rows = await t.db.handle.db.selectFrom('case_checklist').selectAll().execute();
      assert.equal(rows.length, 0);
    });

    it('ticks and unticks checklist items, recording who and when', async () => {
      let v = await version();
      await handler.client.get(url());
      let res = await handler.client.postForm(`${url()}/checklist`, {
        flag: 'reporter-at-risk',
        items: ['risk-assessed', 'safe-contact'],
        version: String(v.version),
      });
      assert.equal(res.statusCode, 303);
      let rows = await t.db.handle.db.selectFrom('case_checklist').selectAll().orderBy('item').execute();
      assert.deepEqual(
        rows.map((r) => r.item),
        ['risk-assessed', 'safe-contact'],
      );
      assert.equal(rows[0]!.done_by, handler.staff.id);
      assert.equal(rows[0]!.done_at, t.clock.now());
      const page = await handler.client.get(url());
      assert.match(page.body, /prot-handler name/);

      v = await version();
      res = await handler.client.postForm(`${url()}/checklist`, {
        flag: 'reporter-at-risk',
        items: ['safe-contact'],
        version: String(v.version),
      });
      assert.equal(res.statusCode, 303);
      rows = await t.db.handle.db.selectFrom('case_checklist').selectAll().execute();
      assert.deepEqual(
        rows.map((r) => r.item),
        ['safe-contact'],
      );
      // An item that is not on the list: refused, nothing written.
      v = await version();
      res = await handler.client.postForm(`${url()}/checklist`, {
        flag: 'reporter-at-risk',
        items: ['made-up'],
        version: String(v.version),
      });
      assert.equal(res.statusCode, 400);
      assert.equal((await version()).version, v.version);
    });

    it('sets and clears "protect the person named" and puts every change on the timeline', async () => {
      let v = await version();
      await handler.client.get(url());
      assert.equal(
        (await handler.client.postForm(url(), { flag: 'protect-named', on: '1', version: String(v.version) }))
          .statusCode,
        303,
      );
      assert.equal((await version()).protect_named, 1);
      v = await version();
      assert.equal(
        (await handler.client.postForm(url(), { flag: 'protect-named', on: '0', version: String(v.version) }))
          .statusCode,
        303,
      );
      assert.equal((await version()).protect_named, 0);
      // Clearing "reporter at risk" leaves the priority where it is.
      v = await version();
      await handler.client.postForm(url(), { flag: 'reporter-at-risk', on: '0', version: String(v.version) });
      assert.equal((await version()).priority, 3);
      const events = await t.db.handle.db
        .selectFrom('case_events')
        .select('kind')
        .where('report_id', '=', reportId)
        .execute();
      const kinds = events.map((e) => e.kind);
      for (const k of ['protection-set', 'protection-cleared', 'checklist', 'priority-set'])
        assert.ok(kinds.includes(k), `timeline has ${k}`);
    });
  });
}
