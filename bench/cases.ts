/**
 * The case inbox at 1,000,000 reports (issue 5), on SQLite and on PostgreSQL:
 *   1. generates the reports straight in SQL (a recursive CTE on SQLite, generate_series on
 *      PostgreSQL; indexes dropped while loading and rebuilt after, then ANALYZE): several
 *      channels and questionnaires, old cases mostly concluded, recent ones open, priorities,
 *      assignees, labels, deadlines by stage, one handler sharing one case in twenty. Sealed
 *      columns hold small dummy blobs: only the metadata matters here;
 *   2. times GET /admin/cases through the real app (app.inject, signed-in supervisor and handler
 *      sessions): the first page, each filter, combinations, sorts and a deep page by cursor,
 *      p50/p95 of RUNS requests each, against the 50 ms target;
 *   3. exports all 1,000,000 rows to CSV through the export job, sampling the resident memory.
 *
 *   node --import tsx bench/cases.ts [--reports N] [--runs N] [--only sqlite|postgres]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/index.ts';
import { runExportJob } from '../src/modules/cases/export.ts';
import { encodeCursor } from '../src/modules/cases/inbox.query.ts';
import { type DatabaseHandle, openDatabase } from '../src/platform/db/index.ts';
import { migrateToLatest } from '../src/platform/db/migrate.ts';
import { createStaff, type TestApp, TestClock } from '../test/helpers/app.ts';
import { caseChannel, signedInStaff } from '../test/helpers/cases.ts';
import { HttpClient } from '../test/helpers/http-client.ts';
import { generateReports } from './cases-data.ts';
import { check, info, type Row } from './report.ts';

export const INBOX_TARGET_P95_MS = 50;
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface QueryTiming {
  name: string;
  rows: number;
  p50Ms: number;
  p95Ms: number;
}

export interface CasesDialectResult {
  dialect: 'sqlite' | 'postgres';
  reports: number;
  generateSeconds: number;
  queries: QueryTiming[];
  export: { rows: number; seconds: number; rowsPerSec: number; rssGrowthMiB: number; heapGrowthMiB: number };
}

export interface CasesResults {
  reports: number;
  sqlite?: CasesDialectResult;
  postgres?: CasesDialectResult;
  postgresSkipped?: string;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
const mib = (b: number) => b / 2 ** 20;

async function runOn(
  dialect: 'sqlite' | 'postgres',
  handle: DatabaseHandle,
  dataDir: string,
  n: number,
  runs: number,
  log: (l: string) => void,
): Promise<CasesDialectResult> {
  await migrateToLatest(handle.db);
  const clock = new TestClock(Date.now());
  const config = loadConfig({ VIGIL_DATA_DIR: dataDir, VIGIL_KDF_MEMORY_MIB: '1', LOG_LEVEL: 'warn' });
  const app = await buildApp(config, {
    database: handle,
    logStream: new PassThrough(),
    now: clock.now,
    skipMigrations: true,
  });
  await app.ready();
  try {
    // The shape of the test helpers' TestApp, over this database: real staff, real sign-ins.
    const t = {
      app,
      db: { handle } as TestApp['db'],
      config,
      clock,
      logs: () => '',
      client: () => new HttpClient(app),
      close: async () => {},
    } as TestApp;
    const sup = await signedInStaff(t, ['supervisor'], 'bench-supervisor');
    const handler = await signedInStaff(t, ['handler'], 'bench-handler');
    const others = [];
    for (let i = 0; i < 4; i++) others.push((await createStaff(t, `bench-handler-${i}`, ['handler'])).id);
    const channels = [];
    for (let i = 0; i < 4; i++) channels.push(await caseChannel(t, [sup.staff.id, handler.staff.id]));
    const handlerKey = await handle.db
      .selectFrom('staff_keys')
      .select('id')
      .where('staff_id', '=', handler.staff.id)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();

    log(`  ${dialect}: generating ${n.toLocaleString('en')} reports…`);
    const started = performance.now();
    await generateReports(handle, {
      n,
      now: clock.now(),
      channels,
      assignees: [sup.staff.id, handler.staff.id, ...others],
      handler: { staffId: handler.staff.id, keyId: handlerKey.id },
    });
    const generateSeconds = (performance.now() - started) / 1000;
    log(`    ${generateSeconds.toFixed(1)} s (with indexes and ANALYZE)`);

    const mid = await handle.db
      .selectFrom('reports')
      .select(['id', 'registered_at', 'reference'])
      .orderBy('registered_at', 'desc')
      .orderBy('id', 'desc')
      .offset(Math.floor(n / 2))
      .limit(1)
      .executeTakeFirstOrThrow();
    const deep = encodeCursor({ sort: 'newest', key: mid.registered_at, id: mid.id });
    const from = new Date(clock.now() - 60 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(clock.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    const [c0, c1] = [channels[0]!, channels[1]!];
    const queries: [string, HttpClient, string][] = [
      ['first page (supervisor)', sup.client, ''],
      ['first page (handler, shared only)', handler.client, ''],
      ['status=received', sup.client, 'status=received'],
      ['status=addressing', sup.client, 'status=addressing'],
      ['channel', sup.client, `channel=${c1.channelId}`],
      ['category', sup.client, `category=${c0.questionnaireId}`],
      ['priority=4', sup.client, 'priority=4'],
      ['assignee=me (handler)', handler.client, 'assignee=me'],
      ['assignee=none', sup.client, 'assignee=none'],
      ['deadline=overdue', sup.client, 'deadline=overdue'],
      ['deadline=due-soon', sup.client, 'deadline=due-soon'],
      ['deadline=on-time', sup.client, 'deadline=on-time'],
      ['label', sup.client, 'label=follow-up'],
      ['registered from/to (30 days)', sup.client, `from=${from}&to=${to}`],
      ['reference', sup.client, `ref=${mid.reference.toLowerCase()}`],
      ['sort=due', sup.client, 'sort=due'],
      ['sort=oldest', sup.client, 'sort=oldest'],
      ['status+priority', sup.client, 'status=assessing&priority=3'],
      ['channel+deadline=overdue', sup.client, `channel=${c0.channelId}&deadline=overdue`],
      ['category+deadline=due-soon', sup.client, `category=${c1.questionnaireId}&deadline=due-soon`],
      ['priority=3+deadline=on-time', sup.client, 'priority=3&deadline=on-time'],
      ['assignee=me+sort=due (handler)', handler.client, 'assignee=me&sort=due'],
      ['label+status=concluded', sup.client, 'label=follow-up&status=concluded'],
      [
        'category+from/to+priority',
        sup.client,
        `category=${c1.questionnaireId}&from=${from}&to=${to}&priority=2`,
      ],
      ['handler: status=received+sort=due', handler.client, 'status=received&sort=due'],
      ['deep page (cursor at 500,000)', sup.client, `after=${deep}`],
      ['deep page, handler', handler.client, `after=${deep}`],
    ];
    const timings: QueryTiming[] = [];
    for (const [name, client, q] of queries) {
      const url = `/admin/cases${q ? `?${q}` : ''}`;
      let rows = 0;
      for (let i = 0; i < 3; i++) {
        const res = await client.get(url);
        if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode}`);
        rows = (res.body.match(/<tr data-case=/g) ?? []).length;
      }
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const s = performance.now();
        await client.get(url);
        ms.push(performance.now() - s);
      }
      ms.sort((x, y) => x - y);
      const timing = { name, rows, p50Ms: pct(ms, 0.5), p95Ms: pct(ms, 0.95) };
      timings.push(timing);
      log(
        `    ${name.padEnd(40)} ${String(rows).padStart(3)} rows  p50 ${timing.p50Ms.toFixed(1).padStart(5)} ms  p95 ${timing.p95Ms.toFixed(1).padStart(5)} ms`,
      );
    }

    log(`  ${dialect}: CSV export of every case…`);
    const exportId = crypto.randomBytes(8).toString('hex');
    await handle.db
      .insertInto('case_exports')
      .values({
        id: exportId,
        staff_id: sup.staff.id,
        query: '',
        status: 'queued',
        rows_done: 0,
        rows_total: null,
        created_at: clock.now(),
        finished_at: null,
      })
      .execute();
    // Live heap is sampled after a full collection: "constant memory" means what the export keeps
    // alive stays flat however many rows go through, which RSS (garbage not yet collected) hides.
    const gc = exposeGc();
    gc();
    const rss0 = process.memoryUsage().rss;
    const heap0 = process.memoryUsage().heapUsed;
    let rssMax = rss0;
    let heapMax = heap0;
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
      gc();
      heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
    }, 250);
    const s = performance.now();
    await runExportJob(app.vigil, { exportId });
    const seconds = (performance.now() - s) / 1000;
    clearInterval(sampler);
    const row = await handle.db
      .selectFrom('case_exports')
      .select(['rows_done', 'status'])
      .where('id', '=', exportId)
      .executeTakeFirstOrThrow();
    const file = path.join(dataDir, 'exports', `${exportId}.csv`);
    const exp = {
      rows: row.rows_done,
      seconds,
      rowsPerSec: row.rows_done / seconds,
      rssGrowthMiB: mib(rssMax - rss0),
      heapGrowthMiB: mib(heapMax - heap0),
    };
    log(
      `    ${exp.rows.toLocaleString('en')} rows (${mib(fs.statSync(file).size).toFixed(0)} MiB) in ${seconds.toFixed(1)} s, ${exp.rowsPerSec.toFixed(0)} rows/s; RSS +${exp.rssGrowthMiB.toFixed(1)} MiB, heap +${exp.heapGrowthMiB.toFixed(1)} MiB`,
    );
    return { dialect, reports: n, generateSeconds, queries: timings, export: exp };
  } finally {
    await app.close();
  }
}

/** global.gc without --expose-gc on the command line (the bench runs under tsx). */
function exposeGc(): () => void {
  if (global.gc) return global.gc;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

async function postgresReachable(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('select 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await c.end().catch(() => {});
  }
}

export async function measureCases(o: {
  log: (line: string) => void;
  reports?: number;
  runs?: number;
  only?: 'sqlite' | 'postgres';
}): Promise<CasesResults> {
  const n = o.reports ?? 1_000_000;
  const runs = o.runs ?? 40;
  const results: CasesResults = { reports: n };
  if (o.only !== 'postgres') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cases-'));
    const handle = openDatabase({
      kind: 'sqlite',
      file: path.join(dir, 'vigil.sqlite'),
      synchronous: 'NORMAL',
    });
    try {
      results.sqlite = await runOn('sqlite', handle, dir, n, runs, o.log);
    } finally {
      await handle.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  if (o.only !== 'sqlite') {
    const unreachable = await postgresReachable();
    if (unreachable) {
      results.postgresSkipped = `PostgreSQL not reachable at ${PG_URL} (${unreachable})`;
      o.log(`  NOTE: ${results.postgresSkipped}; skipping the PostgreSQL half`);
    } else {
      const schema = `bench_cases_${crypto.randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cases-pg-'));
      const handle = openDatabase({ kind: 'postgres', url: PG_URL }, { searchPath: schema, poolSize: 4 });
      try {
        results.postgres = await runOn('postgres', handle, dir, n, runs, o.log);
      } finally {
        await handle.close().catch(() => {});
        if (process.env.BENCH_KEEP_SCHEMA) o.log(`  kept schema ${schema}`);
        else await admin.query(`drop schema if exists ${schema} cascade`);
        await admin.end();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  return results;
}

export function casesRows(r: CasesResults): Row[] {
  const rows: Row[] = [];
  const count = r.reports.toLocaleString('en');
  for (const d of [r.sqlite, r.postgres]) {
    if (!d) continue;
    const label = d.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    rows.push(info(`Inbox, ${label}: ${count} reports generated`, `${d.generateSeconds.toFixed(1)} s`));
    const worst = d.queries.reduce((a, b) => (b.p95Ms > a.p95Ms ? b : a));
    rows.push(
      check(
        `Inbox p95, ${label}, worst of ${d.queries.length} queries (${worst.name})`,
        worst.p95Ms,
        'ms',
        '<',
        INBOX_TARGET_P95_MS,
      ),
    );
    for (const q of d.queries) {
      const row = check(`  ${label}: ${q.name}`, q.p95Ms, 'ms', '<', INBOX_TARGET_P95_MS);
      rows.push({ ...row, value: `p50 ${q.p50Ms.toFixed(1)} / p95 ${q.p95Ms.toFixed(1)} ms` });
    }
    rows.push(
      info(
        `CSV export of ${d.export.rows.toLocaleString('en')} rows, ${label}`,
        `${d.export.rowsPerSec.toFixed(0)} rows/s (${d.export.seconds.toFixed(1)} s)`,
      ),
    );
    rows.push(
      check(`CSV export live heap growth (after GC), ${label}`, d.export.heapGrowthMiB, 'MiB', '<', 32),
    );
    rows.push(info(`CSV export peak RSS growth, ${label}`, `${d.export.rssGrowthMiB.toFixed(1)} MiB`));
  }
  if (r.postgresSkipped) rows.push(info('Inbox, PostgreSQL', 'skipped: not reachable'));
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      reports: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '40' },
      only: { type: 'string' },
    },
  });
  const only = values.only === 'sqlite' || values.only === 'postgres' ? values.only : undefined;
  const r = await measureCases({
    log: (l) => process.stdout.write(`${l}\n`),
    reports: Number(values.reports),
    runs: Number(values.runs),
    ...(only ? { only } : {}),
  });
  const { printTable } = await import('./report.ts');
  printTable(casesRows(r));
  process.exit(0);
}
