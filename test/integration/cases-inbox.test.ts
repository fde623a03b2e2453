/**
 * The case inbox at /admin/cases on both databases over HTTP: every filter returns the right
 * cases, keyset pages visit every case exactly once (ties in registration time included), a
 * handler sees only what is shared with them while a supervisor sees every case's metadata, saved
 * filters belong to one person, bulk assignment shares and assigns (skipping what cannot be
 * shared), bulk labels, and the CSV export: contents, nothing identifying, only its maker downloads.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runExportJob } from '../../src/modules/cases/export.ts';
import { DAY_MS } from '../../src/modules/cases/workflow.ts';
import { type CreatedStaff, createStaff, createTestApp, type TestApp } from '../helpers/app.ts';
import {
  CASE_ANSWERS,
  type CaseChannel,
  caseChannel,
  makeReport,
  type SignedInStaff,
  signedInStaff,
} from '../helpers/cases.ts';
import { dialects } from '../helpers/databases.ts';

const casesOn = (body: string) => [...body.matchAll(/<tr data-case="([^"]+)"/g)].map((m) => m[1]!);
const nextOf = (body: string) => /href="([^"]+)" rel="next"/.exec(body)?.[1]?.replace(/&amp;/g, '&');

for (const dialect of await dialects()) {
  describe(`case inbox (${dialect})`, () => {
    let t: TestApp;
    let sup: SignedInStaff;
    let handler: SignedInStaff;
    let other: SignedInStaff;
    let keyless: CreatedStaff;
    let chA: CaseChannel;
    let chB: CaseChannel;
    let chC: CaseChannel;
    const a: { reportId: string; reference: string }[] = [];
    const b: { reportId: string; reference: string }[] = [];
    let c: { reportId: string; reference: string };

    before(async () => {
      t = await createTestApp(dialect);
      sup = await signedInStaff(t, ['supervisor'], 'sup-inbox');
      handler = await signedInStaff(t, ['handler'], 'handler-inbox');
      other = await signedInStaff(t, ['handler'], 'other-inbox');
      keyless = await createStaff(t, 'keyless-inbox', ['handler']);
      for (const s of [sup, handler, other]) s.client.lang = 'en';
      chA = await caseChannel(t, [sup.staff.id, handler.staff.id]);
      chB = await caseChannel(t, [sup.staff.id]);
      chC = await caseChannel(t, [other.staff.id]);
      for (let i = 0; i < 3; i++) {
        a.push(await makeReport(t, chA));
        t.clock.advance(60_000);
      }
      for (let i = 0; i < 2; i++) {
        b.push(
          await makeReport(t, chB, {
            identity: { mode: 'named', name: 'Wang Wei', contact: 'wang@example.cn' },
          }),
        );
        t.clock.advance(60_000);
      }
      c = await makeReport(t, chC);
      const db = t.db.handle.db;
      await db
        .updateTable('reports')
        .set({ status: 'assessing', priority: 4, next_due_at: null })
        .where('id', '=', a[0]!.reportId)
        .execute();
      await db.updateTable('reports').set({ reporter_at_risk: 1 }).where('id', '=', b[1]!.reportId).execute();
    });
    after(() => t.close());

    it('a supervisor sees every case, a handler only those shared with them', async () => {
      const all = casesOn((await sup.client.get('/admin/cases')).body);
      assert.deepEqual(new Set(all), new Set([...a, ...b, c].map((r) => r.reportId)));
      // Newest first.
      assert.equal(all[0], c.reportId);
      const mine = casesOn((await handler.client.get('/admin/cases')).body);
      assert.deepEqual(new Set(mine), new Set(a.map((r) => r.reportId)));
      const page = await other.client.get('/admin/cases?channel=' + chA.channelId);
      assert.match(page.body, /data-testid="inbox-empty"/);
    });

    it('each filter returns the right cases', async () => {
      const get = async (q: string) => new Set(casesOn((await sup.client.get(`/admin/cases?${q}`)).body));
      assert.deepEqual(await get(`channel=${chB.channelId}`), new Set(b.map((r) => r.reportId)));
      assert.deepEqual(await get(`category=${chA.questionnaireId}`), new Set(a.map((r) => r.reportId)));
      assert.deepEqual(await get('status=assessing'), new Set([a[0]!.reportId]));
      assert.deepEqual(await get('priority=4'), new Set([a[0]!.reportId]));
      assert.deepEqual(await get(`ref=${b[0]!.reference.toLowerCase()}`), new Set([b[0]!.reportId]));
      assert.equal((await get('assignee=none')).size, 6);
      assert.equal((await get('assignee=me')).size, 0);
      assert.deepEqual(
        await get('deadline=on-time'),
        new Set([...a.slice(1), ...b, c].map((r) => r.reportId)),
      );
      assert.equal((await get('deadline=overdue')).size, 0);
      const day = new Date(t.clock.now()).toISOString().slice(0, 10);
      assert.equal((await get(`from=${day}&to=${day}`)).size, 6);
      assert.equal((await get('to=2000-01-01')).size, 0);
      // Combined.
      assert.deepEqual(
        await get(`channel=${chA.channelId}&status=received`),
        new Set(a.slice(1).map((r) => r.reportId)),
      );
      // Bad values are ignored and named, never a 500.
      const bad = await sup.client.get('/admin/cases?status=lost&priority=9&from=2026-02-31&after=xyz');
      assert.equal(bad.statusCode, 200);
      assert.match(bad.body, /were not understood/);
      assert.match(bad.body, /showing the first page/);
      // Deadlines move with the clock: make one overdue and one due soon.
      const now = t.clock.now();
      const db = t.db.handle.db;
      await db
        .updateTable('reports')
        .set({ next_due_at: now - 1 })
        .where('id', '=', a[1]!.reportId)
        .execute();
      await db
        .updateTable('reports')
        .set({ next_due_at: now + DAY_MS })
        .where('id', '=', a[2]!.reportId)
        .execute();
      assert.deepEqual(await get('deadline=overdue'), new Set([a[1]!.reportId]));
      assert.deepEqual(await get('deadline=due-soon'), new Set([a[2]!.reportId]));
      assert.deepEqual(await get('deadline=overdue&sort=due'), new Set([a[1]!.reportId]));
      const page = (await sup.client.get('/admin/cases?sort=due')).body;
      assert.match(page, /data-deadline="overdue"/);
    });

    it('keyset pages visit every case exactly once, ties included, in each sort', async () => {
      // 130 more cases as copies of one, in three registration instants (many ties).
      const db = t.db.handle.db;
      const template = await db
        .selectFrom('reports')
        .selectAll()
        .where('id', '=', a[1]!.reportId)
        .executeTakeFirstOrThrow();
      const base = template.registered_at - 10 * DAY_MS;
      const ids: string[] = [];
      for (let i = 0; i < 130; i++) {
        const id = crypto.randomBytes(12).toString('base64url');
        ids.push(id);
        await db
          .insertInto('reports')
          .values({
            ...template,
            id,
            reference: `R-${crypto.randomBytes(2).toString('hex').toUpperCase()}-${String(i).padStart(4, '0')}`,
            receipt_lookup: null,
            registered_at: base + (i % 3) * 1000,
            next_due_at: i % 4 === 0 ? null : base + (i % 5) * DAY_MS,
          })
          .execute();
      }
      const expected = new Set([...ids, ...a, ...b, c].map((r) => (typeof r === 'string' ? r : r.reportId)));
      for (const sort of ['newest', 'oldest', 'due']) {
        const seen: string[] = [];
        let href: string | undefined = `/admin/cases?sort=${sort}`;
        let pages = 0;
        while (href) {
          const res = await sup.client.get(href);
          assert.equal(res.statusCode, 200);
          const rows = casesOn(res.body);
          assert.ok(rows.length <= 50);
          seen.push(...rows);
          href = nextOf(res.body);
          pages++;
          assert.ok(pages < 10);
        }
        assert.equal(seen.length, expected.size, `${sort}: no case twice`);
        assert.deepEqual(new Set(seen), expected, `${sort}: every case once`);
      }
      await db.deleteFrom('reports').where('id', 'in', ids).execute();
    });

    it('saved filters belong to the person who saved them', async () => {
      await sup.client.get('/admin/cases');
      const res = await sup.client.postForm('/admin/cases/filters', {
        name: '待确认 received',
        query: 'status=received&bogus=1&after=zzz',
      });
      assert.equal(res.statusCode, 303);
      const page = await sup.client.get(res.headers.location as string);
      assert.match(page.body, /<a href="\/admin\/cases\?status=received">待确认 received<\/a>/);
      const row = await t.db.handle.db
        .selectFrom('saved_filters')
        .selectAll()
        .where('staff_id', '=', sup.staff.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.query, 'status=received');
      await handler.client.get('/admin/cases');
      assert.doesNotMatch((await handler.client.get('/admin/cases')).body, /待确认/);
      assert.equal(
        (await handler.client.postForm(`/admin/cases/filters/${row.id}/delete`, {})).statusCode,
        404,
      );
      const empty = await sup.client.postForm('/admin/cases/filters', { name: '  ', query: '' });
      assert.equal(empty.statusCode, 400);
      assert.equal((await sup.client.postForm(`/admin/cases/filters/${row.id}/delete`, {})).statusCode, 303);
      assert.equal((await t.db.handle.db.selectFrom('saved_filters').selectAll().execute()).length, 0);
    });

    it('bulk assignment shares and assigns, and skips what cannot be shared', async () => {
      await sup.client.get('/admin/cases');
      const before = await t.db.handle.db
        .selectFrom('reports')
        .select(['id', 'version'])
        .where('id', '=', b[0]!.reportId)
        .executeTakeFirstOrThrow();
      const res = await sup.client.postForm('/admin/cases/bulk', {
        action: 'assign',
        assignee: handler.staff.id,
        ids: [b[0]!.reportId, c.reportId],
        query: 'sort=oldest',
      });
      assert.equal(res.statusCode, 303);
      const page = await sup.client.get(res.headers.location as string);
      assert.match(page.body, /Cases changed: 1\./);
      assert.match(page.body, new RegExp(`Skipped[^<]*${c.reference}`));
      const row = await t.db.handle.db
        .selectFrom('reports')
        .select(['assignee_id', 'version'])
        .where('id', '=', b[0]!.reportId)
        .executeTakeFirstOrThrow();
      assert.equal(row.assignee_id, handler.staff.id);
      assert.equal(row.version, before.version + 1);
      // Shared: the handler now sees it, and can open its keys.
      assert.ok(
        casesOn((await handler.client.get('/admin/cases?assignee=me')).body).includes(b[0]!.reportId),
      );
      const events = await t.db.handle.db
        .selectFrom('case_events')
        .selectAll()
        .where('report_id', '=', b[0]!.reportId)
        .execute();
      assert.ok(events.some((e) => e.kind === 'assigned'));
      const audit = await t.db.handle.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'case.assigned')
        .execute();
      assert.equal(audit.length, 1);
      assert.doesNotMatch(audit[0]!.details, /Wang/);
      // An assignee with no key yet cannot be shared with: skipped.
      const none = await sup.client.postForm('/admin/cases/bulk', {
        action: 'assign',
        assignee: keyless.id,
        ids: [a[1]!.reportId],
      });
      assert.match(
        (await sup.client.get(none.headers.location as string)).body,
        new RegExp(`Skipped[^<]*${a[1]!.reference}`),
      );
      // Handlers do not assign.
      await handler.client.get('/admin/cases');
      const refused = await handler.client.postForm('/admin/cases/bulk', {
        action: 'assign',
        assignee: handler.staff.id,
        ids: [a[1]!.reportId],
      });
      assert.equal(refused.statusCode, 403);
    });

    it('bulk labels apply to shared cases only and can be filtered on', async () => {
      await handler.client.get('/admin/cases');
      const res = await handler.client.postForm('/admin/cases/bulk', {
        action: 'add-label',
        label: '  紧急 follow-up ',
        ids: [a[1]!.reportId, a[2]!.reportId, b[1]!.reportId],
      });
      assert.equal(res.statusCode, 303);
      const page = await handler.client.get(res.headers.location as string);
      assert.match(page.body, /Cases changed: 2\./);
      assert.match(page.body, new RegExp(`Skipped[^<]*${b[1]!.reference}`));
      const labelled = await handler.client.get(`/admin/cases?label=${encodeURIComponent('紧急 follow-up')}`);
      assert.deepEqual(new Set(casesOn(labelled.body)), new Set([a[1]!.reportId, a[2]!.reportId]));
      assert.match(labelled.body, /<span class="tag">紧急 follow-up<\/span>/);
      const bad = await handler.client.postForm('/admin/cases/bulk', {
        action: 'add-label',
        label: '<b>',
        ids: [a[1]!.reportId],
      });
      assert.equal(bad.statusCode, 400);
      const removed = await handler.client.postForm('/admin/cases/bulk', {
        action: 'remove-label',
        label: '紧急 follow-up',
        ids: [a[2]!.reportId],
      });
      assert.equal(removed.statusCode, 303);
      assert.deepEqual(
        casesOn(
          (await handler.client.get(`/admin/cases?label=${encodeURIComponent('紧急 follow-up')}`)).body,
        ),
        [a[1]!.reportId],
      );
      const tooMany = await handler.client.postForm('/admin/cases/bulk', {
        action: 'add-label',
        label: 'x',
        ids: Array.from({ length: 201 }, (_, i) => `id${i}`),
      });
      assert.equal(tooMany.statusCode, 400);
    });

    it('exports the non-identifying metadata of a filter as CSV, for its maker only', async () => {
      await t.db.handle.db
        .updateTable('reports')
        .set({ outcome: '=cmd|calc' as never })
        .where('id', '=', b[1]!.reportId)
        .execute();
      await sup.client.get('/admin/cases');
      const res = await sup.client.postForm('/admin/cases/export', { query: `channel=${chB.channelId}` });
      assert.equal(res.statusCode, 303);
      const url = res.headers.location as string;
      const waiting = await sup.client.get(url);
      assert.equal(waiting.statusCode, 200);
      assert.equal(waiting.headers.refresh, '2');
      assert.match(waiting.body, /<progress/);
      const exportId = url.split('/').pop()!;
      await runExportJob(t.app.vigil, { exportId });
      const done = await sup.client.get(url);
      assert.equal(done.headers.refresh, undefined);
      assert.match(done.body, /data-state="done"/);
      const csv = await sup.client.get(`${url}.csv`);
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /text\/csv/);
      const lines = csv.body
        .replace(/^\ufeff/, '')
        .trim()
        .split('\r\n');
      assert.equal(lines.length, 3);
      assert.match(lines[0]!, /^reference,channel,category/);
      assert.ok(lines.some((l) => l.startsWith(b[0]!.reference)));
      assert.ok(
        lines.some((l) => l.includes(",'=cmd|calc,")),
        'formula defused',
      );
      for (const secret of ['Wang Wei', 'wang@example.cn', CASE_ANSWERS.summary, CASE_ANSWERS.details])
        assert.ok(!csv.body.includes(secret));
      // Nobody else gets it.
      assert.equal((await handler.client.get(`${url}.csv`)).statusCode, 404);
      assert.equal((await handler.client.get(url)).statusCode, 404);
      const audit = await t.db.handle.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'cases.exported')
        .execute();
      assert.equal(audit.length, 1);
      assert.match(audit[0]!.details, /"rows":2/);
      // A handler's export holds only the cases shared with them.
      await handler.client.get('/admin/cases');
      const hres = await handler.client.postForm('/admin/cases/export', { query: '' });
      const hid = (hres.headers.location as string).split('/').pop()!;
      await runExportJob(t.app.vigil, { exportId: hid });
      const hcsv = await handler.client.get(`/admin/cases/export/${hid}.csv`);
      const refs = hcsv.body
        .split('\r\n')
        .slice(1)
        .filter(Boolean)
        .map((l) => l.split(',')[0]);
      assert.deepEqual(new Set(refs), new Set([...a.map((r) => r.reference), b[0]!.reference]));
      // Gone after 24 hours.
      const db = t.db.handle.db;
      await db
        .updateTable('case_exports')
        .set({ created_at: t.clock.now() - 25 * 3_600_000 })
        .where('id', '=', exportId)
        .execute();
      assert.equal((await sup.client.get(`${url}.csv`)).statusCode, 404);
      // The next export job deletes it, file and row.
      await runExportJob(t.app.vigil, { exportId: 'none' });
      assert.equal(fs.existsSync(path.join(t.config.dataDir, 'exports', `${exportId}.csv`)), false);
      assert.equal(
        (await db.selectFrom('case_exports').select('id').where('id', '=', exportId).execute()).length,
        0,
      );
    });
  });
}
