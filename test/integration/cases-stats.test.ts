/**
 * /admin/stats: volumes by channel, category and outcome per month (live and purged cases),
 * medians, deadline compliance, suppression of small counts (and of whatever would reveal them
 * through totals), accessible charts with a table each, and refusal of bad filters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, signIn, type TestApp } from '../helpers/app.ts';
import {
  type CaseChannel,
  caseChannel,
  makeReport,
  type SignedInStaff,
  signedInStaff,
} from '../helpers/cases.ts';
import { dialects } from '../helpers/databases.ts';

const DAY = 86_400_000;

/** The cells of a table by its data-testid, row by row (header row excluded), as text. */
function tableCells(body: string, testId: string): string[][] {
  const table = new RegExp(`<table[^>]*data-testid="${testId}"[^>]*>([\\s\\S]*?)</table>`).exec(body);
  assert.ok(table, `table ${testId}`);
  const rows = [...table[1]!.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]!.replace(/&lt;/g, '<')),
  );
  return rows.slice(1);
}

for (const dialect of await dialects()) {
  describe(`statistics (${dialect})`, () => {
    let t: TestApp;
    let handler: SignedInStaff;
    let a: CaseChannel;
    let b: CaseChannel;

    before(async () => {
      t = await createTestApp(dialect, { VIGIL_STATS_MIN_COUNT: '2' });
      handler = await signedInStaff(t, ['handler'], 'stats-handler');
      handler.client.lang = 'en';
      a = await caseChannel(t, [handler.staff.id]);
      b = await caseChannel(t, [handler.staff.id]);
      const db = t.db.handle.db;
      // Six reports on channel A in November 2026, acknowledged after 1, 2, 3, 4, 5 and 8 days
      // (the last one late: the deadline is 7 days); four of them replied to the next day.
      const ackDays = [1, 2, 3, 4, 5, 8];
      for (const [i, days] of ackDays.entries()) {
        const r = await makeReport(t, a);
        const row = await db
          .selectFrom('reports')
          .select('registered_at')
          .where('id', '=', r.reportId)
          .executeTakeFirstOrThrow();
        const reg = Number(row.registered_at);
        await db
          .updateTable('reports')
          .set({
            status: 'acknowledged',
            acknowledged_at: reg + days * DAY,
            first_reply_at: i < 4 ? reg + DAY : null,
            ...(i === 0
              ? { status: 'concluded', outcome: 'substantiated', concluded_at: reg + 20 * DAY }
              : {}),
          })
          .where('id', '=', r.reportId)
          .execute();
      }
      // One report on channel B: a count of 1, below the minimum of 2.
      await makeReport(t, b);
      // Four purged cases of channel A, registered in October 2026.
      const purged = [1, 1, 1, 0].map((met, i) => ({
        channel_id: a.channelId,
        questionnaire_id: a.questionnaireId,
        kind: 'report',
        source: 'web',
        registered_day: Date.UTC(2026, 9, 15),
        ack_due_at: Date.UTC(2026, 9, 22),
        feedback_due_at: Date.UTC(2027, 0, 13),
        acknowledged_after_ms: 10 * DAY,
        first_reply_after_ms: i < 2 ? 2 * DAY : null,
        concluded_after_ms: 30 * DAY,
        ack_met: met,
        feedback_met: i < 2 ? 1 : null,
        outcome: 'unsubstantiated',
        purged_at: t.clock.now(),
      }));
      await db.insertInto('case_statistics').values(purged).execute();
      // Every acknowledgement deadline has passed.
      t.clock.advance(10 * DAY);
      handler.client = await signIn(t, handler.staff);
      handler.client.lang = 'en';
    });
    after(async () => t.close());

    it('counts live and purged cases by month, with medians and compliance', async () => {
      const res = await handler.client.get(`/admin/stats?from=2026-10&to=2026-12&channel=${a.channelId}`);
      assert.equal(res.statusCode, 200);
      const byChannel = tableCells(res.body, 'by-channel-table');
      assert.deepEqual(byChannel, [
        ['2026-10', '4', '4'],
        ['2026-11', '6', '6'],
        ['2026-12', '0', '0'],
        ['Total', '10', '10'],
      ]);
      const byOutcome = tableCells(res.body, 'by-outcome-table');
      // Columns: month, not concluded, then each outcome in order (substantiated, unsubstantiated, ...), total.
      assert.deepEqual(byOutcome[0]!.slice(0, 4), ['2026-10', '0', '0', '4']);
      // One substantiated case in November: below the minimum, so hidden (and so is its neighbour).
      assert.equal(byOutcome[1]![2], '< 2');
      assert.equal(byOutcome[1]![1], '< 2');
      assert.equal(byOutcome.at(-1)!.at(-1), '10');
      const times = tableCells(res.body, 'times-table');
      // Acknowledged after 1, 2, 3, 4, 5, 8 days (live) and 10, 10, 10, 10 (purged): median 6.5.
      assert.deepEqual(times[0], ['To acknowledge', '6.5 days', '10']);
      // First replies: 1, 1, 1, 1 (live) and 2, 2 (purged): median 1.
      assert.deepEqual(times[1], ['To first reply', '1.0 days', '6']);
      // Concluded: 20 days (live, one) and 30 (purged, four): median 30.
      assert.deepEqual(times[2], ['To conclude', '30.0 days', '5']);
      const compliance = tableCells(res.body, 'compliance-table');
      // Acknowledged on time: 5 of 6 live, 3 of 4 purged.
      assert.deepEqual(compliance[0], ['Acknowledged within the deadline', '8', '10', '80%']);
      // Feedback: 4 live replies in time (the other 2 are still within 90 days), 2 purged met.
      assert.deepEqual(compliance[1], [
        'Feedback (first reply or conclusion) within the deadline',
        '6',
        '6',
        '100%',
      ]);
    });

    it('suppresses small counts and anything that would reveal them', async () => {
      const res = await handler.client.get('/admin/stats?from=2026-10&to=2026-11');
      assert.equal(res.statusCode, 200);
      const rows = tableCells(res.body, 'by-channel-table');
      const header = /<table[^>]*data-testid="by-channel-table"[\s\S]*?<thead>([\s\S]*?)<\/thead>/.exec(
        res.body,
      )![1]!;
      const columns = [...header.matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((c) => c[1]);
      const bColumn = columns.findIndex((c) => c?.includes(b.channelId));
      assert.ok(bColumn > 0);
      const nov = rows.find((r) => r[0] === '2026-11')!;
      assert.equal(nov[bColumn], '< 2');
      // No row or column has exactly one hidden cell: none can be worked out from its total.
      const hidden = (c: string) => c === '< 2';
      for (const r of rows) assert.notEqual(r.slice(1).filter(hidden).length, 1, `row ${r[0]}`);
      for (let c = 1; c < rows[0]!.length; c++)
        assert.notEqual(rows.map((r) => r[c]!).filter(hidden).length, 1, `column ${columns[c]}`);
      // The grand total is safe to show.
      assert.equal(rows.at(-1)!.at(-1), '11');
      // The chart draws nothing for a hidden count.
      assert.doesNotMatch(res.body, new RegExp(`${b.channelId}[^<]*, 2026-11: 1</title>`));
    });

    it('draws accessible charts, each with a table', async () => {
      const res = await handler.client.get('/admin/stats');
      assert.equal(res.statusCode, 200);
      const charts = [
        ...res.body.matchAll(/<svg[^>]*role="img"[^>]*aria-labelledby="([^" ]+) ([^"]+)"[^>]*>/g),
      ];
      assert.equal(charts.length, 5);
      for (const c of charts) {
        assert.match(res.body, new RegExp(`<title id="${c[1]}">`));
        assert.match(res.body, new RegExp(`<desc id="${c[2]}">`));
      }
      assert.equal([...res.body.matchAll(/<table /g)].length, 5);
      assert.equal([...res.body.matchAll(/<caption/g)].length, 5);
      assert.match(res.body, /<th scope="row">/);
      assert.doesNotMatch(res.body, / style="/, 'no inline styles (CSP)');
      // The default period is the last 12 months.
      assert.equal(tableCells(res.body, 'by-channel-table').length, 13);
    });

    it('refuses bad filters with the input kept, and lets only case staff in', async () => {
      for (const q of [
        'from=2026-13',
        'to=yesterday',
        'from=2026-11&to=2026-01',
        'from=1990-01',
        'from=2000-01&to=2026-01',
        'channel=nope',
      ]) {
        const res = await handler.client.get(`/admin/stats?${q}`);
        assert.equal(res.statusCode, 400, q);
        assert.match(res.body, /error-summary/);
      }
      const kept = await handler.client.get('/admin/stats?from=%3Cb%3E');
      assert.match(kept.body, /value="&lt;b&gt;"/);
      const editor = await signedInStaff(t, ['editor']);
      assert.equal((await editor.client.get('/admin/stats')).statusCode, 403);
      const admin = await signedInStaff(t, ['admin']);
      assert.equal((await admin.client.get('/admin/stats')).statusCode, 200);
    });
  });
}
