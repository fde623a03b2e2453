/**
 * The case page (issue 5): GET /admin/cases/:id for a case with 200 messages (staff messages,
 * questions and reporter replies), 20 internal notes and a few timeline events, rendered for a
 * signed-in handler the case is shared with, in-process (app.inject) on SQLite. Everything the
 * page does is measured: opening the key wrap with the session's private key, decrypting every
 * message and note, rendering, and the audit entry each read writes. Target: p95 < 30 ms.
 *
 * On its own: node --import tsx bench/case-page.ts [--requests N]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { followUpOf } from '../src/modules/reports/followup.service.ts';
import { reportsOf } from '../src/modules/reports/module.ts';
import { createTestApp } from '../test/helpers/app.ts';
import { caseChannel, makeReport, signedInStaff } from '../test/helpers/cases.ts';
import { check, info, type Row } from './report.ts';

export const CASE_PAGE_LIMIT_MS = 30;
const MESSAGES = 200;
const NOTES = 20;

export interface CasePageResults {
  messages: number;
  notes: number;
  requests: number;
  rounds: number;
  /** Medians over the rounds of each round's p50 and p95 (a busy machine disturbs single rounds). */
  p50Ms: number;
  p95Ms: number;
  /** The process's CPU time per request (user + system), median over all requests: the page's own cost. */
  cpuMs: number;
  bytes: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function measureCasePage(
  o: { requests?: number; rounds?: number; log?: (line: string) => void } = {},
) {
  const requests = o.requests ?? 400;
  const rounds = o.rounds ?? 3;
  const log = o.log ?? (() => {});
  const t = await createTestApp('sqlite');
  try {
    const handler = await signedInStaff(t, ['handler']);
    const channel = await caseChannel(t, [handler.staff.id]);
    const r = await makeReport(t, channel);
    const ctx = t.app.vigil;
    const followUp = followUpOf(ctx, reportsOf(ctx));
    const signed = await followUp.signIn(r.receiptCode);
    if (!signed.ok) throw new Error('the receipt code did not open the report');
    log(`  seeding ${MESSAGES} messages and ${NOTES} notes…`);
    const text = (i: number) =>
      `Message ${i}: ${'The meeting with the consultant took place on the second floor, and the papers were handed over afterwards. '.repeat(3)}`;
    // The content key is the receipt's: the same one the staff wraps open.
    const contentKey = signed.session.contentKey;
    for (let i = 1; i < MESSAGES; i++) {
      t.clock.advance(1000);
      if (i % 4 === 0) await followUp.reply(signed.session, { text: text(i), files: [] });
      else
        await followUp.addStaffMessage(
          r.reportId,
          contentKey,
          handler.staff.id,
          text(i),
          i % 4 === 1 ? 'question' : 'message',
        );
    }
    for (let i = 0; i < NOTES; i++) {
      const version = /name="version" value="(\d+)"/.exec(
        (await handler.client.get(`/admin/cases/${r.reportId}`)).body,
      )?.[1];
      const res = await handler.client.postForm(`/admin/cases/${r.reportId}/notes`, {
        version: version ?? '0',
        note: `Internal note ${i}: ${'Check the ledger against the minutes. '.repeat(4)}`,
      });
      if (res.statusCode !== 303) throw new Error(`adding a note answered ${res.statusCode}`);
    }
    const count = await ctx.db
      .selectFrom('report_messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('report_id', '=', r.reportId)
      .executeTakeFirstOrThrow();

    const url = `/admin/cases/${r.reportId}`;
    let bytes = 0;
    for (let i = 0; i < 50; i++) {
      const res = await handler.client.get(url);
      if (res.statusCode !== 200) throw new Error(`the case page answered ${res.statusCode}`);
      bytes = res.body.length;
    }
    const p50s: number[] = [];
    const p95s: number[] = [];
    const cpu: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const times: number[] = [];
      for (let i = 0; i < requests; i++) {
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        const res = await handler.client.get(url);
        const used = process.cpuUsage(cpuStart);
        times.push(performance.now() - start);
        cpu.push((used.user + used.system) / 1000);
        if (res.statusCode !== 200) throw new Error(`the case page answered ${res.statusCode}`);
      }
      times.sort((a, b) => a - b);
      p50s.push(percentile(times, 50));
      p95s.push(percentile(times, 95));
      log(`  round ${round + 1}: p50 ${p50s.at(-1)!.toFixed(2)} ms, p95 ${p95s.at(-1)!.toFixed(2)} ms`);
    }
    return {
      messages: Number(count.n),
      notes: NOTES,
      requests,
      rounds,
      p50Ms: median(p50s),
      p95Ms: median(p95s),
      cpuMs: median(cpu),
      bytes,
    } satisfies CasePageResults;
  } finally {
    await t.close();
  }
}

export function casePageRows(r: CasePageResults): Row[] {
  return [
    info(
      'case page: messages / notes',
      `${r.messages} / ${r.notes} (${Math.round(r.bytes / 1024)} KiB page)`,
    ),
    info('case page p50 (SQLite, in-process)', `${r.p50Ms.toFixed(2)} ms`),
    info('case page CPU per request', `${r.cpuMs.toFixed(2)} ms`),
    check('case page p95 (200 messages, SQLite)', r.p95Ms, 'ms', '<', CASE_PAGE_LIMIT_MS),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '400' }, rounds: { type: 'string', default: '3' } },
  });
  const r = await measureCasePage({
    requests: Number(values.requests),
    rounds: Number(values.rounds),
    log: (l) => console.log(l),
  });
  console.log(
    `case page, ${r.messages} messages + ${r.notes} notes, ${r.rounds} rounds of ${r.requests} requests:`,
  );
  console.log(
    `  p50 ${r.p50Ms.toFixed(2)} ms, p95 ${r.p95Ms.toFixed(2)} ms, CPU ${r.cpuMs.toFixed(2)} ms per request (${Math.round(r.bytes / 1024)} KiB)`,
  );
  console.log(
    r.p95Ms < CASE_PAGE_LIMIT_MS ? `PASS (< ${CASE_PAGE_LIMIT_MS} ms)` : `FAIL (>= ${CASE_PAGE_LIMIT_MS} ms)`,
  );
}
