/**
 * The reporting channel's figures (issue 4), on SQLite with synchronous=FULL (durable commits):
 *   1. text-only intake through the JSON API, clients posting back to back: reports per second;
 *   2. the p99 of a public page (GET / zh-CN, one request every 5 ms) when idle, then during an
 *      intake surge of SURGE_RATE reports per second started at a fixed rate: the ratio;
 *   3. reports with a 5 MB attachment (multipart, streamed and sealed): reports per second with
 *      the server pinned to one core (as for 1 and 2), then free to use both cores as it is
 *      deployed (the load generator stays on its own core), and the growth of the server's
 *      resident memory meanwhile (flat when nothing is buffered).
 * The server runs with VIGIL_REPORT_POW_BITS=0: the proof of work costs the client, not the
 * server (verifying is one HMAC and one SHA-256, still done), and a load generator on one core
 * could not solve a thousand a second. Everything else is the production path.
 *
 * On its own: node --import tsx bench/intake.ts [--duration S]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/platform/db/index.ts';
import { migrateToLatest } from '../src/platform/db/migrate.ts';
import { insertReportChannel } from '../test/helpers/reports.ts';
import { freePort, HOST, waitFor200 } from './lib/net.ts';
import { cleanUpNow, residentMiB, run, type Started, start, stop, tempDir } from './lib/processes.ts';
import { buildBundle, LOAD_CORE, ROOT, SERVER_CORE } from './lib/vigil.ts';
import { check, info, type Row } from './report.ts';

export const SURGE_RATE = 1000;
const ATTACHMENT_BYTES = 5 * 1024 * 1024;
/** Uploads in flight at once: each spends most of its time waiting for the disk, not the CPU. */
const ATTACHMENT_CLIENTS = 16;

interface LoadOutput {
  reports: number;
  late: boolean;
  reportsPerSec: number;
  errors: number;
  statuses: Record<string, number>;
  reportP50Ms: number;
  reportP99Ms: number;
  probe: { count: number; p50Ms: number; p99Ms: number };
}

export interface IntakeResults {
  textReportsPerSec: number;
  textReportP99Ms: number;
  idleProbeP99Ms: number;
  surgeProbeP99Ms: number;
  surgeReportsPerSec: number;
  surgeRatio: number;
  attachmentReportsPerSecOneCore: number;
  attachmentReportsPerSec: number;
  /** The larger growth of the server's resident memory over its size after a warm-up, across both attachment runs. */
  attachmentMemoryGrowthMiB: number;
  errors: Record<string, Record<string, number>>;
}

async function load(port: number, questionnaire: string, cfg: Record<string, unknown>): Promise<LoadOutput> {
  const durationS = Number(cfg.durationS);
  const r = await run(
    process.execPath,
    [path.join(ROOT, 'bench/intake-load.mjs'), JSON.stringify({ port, questionnaire, ...cfg })],
    { core: LOAD_CORE, timeoutMs: (durationS + 120) * 1000 },
  );
  if (r.code !== 0) throw new Error(`intake load generator failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as LoadOutput;
}

export async function measureIntake(o: {
  log: (line: string) => void;
  durationS?: number;
}): Promise<IntakeResults> {
  const durationS = o.durationS ?? 10;
  const dataDir = tempDir('vigil-intake-');
  const handle = openDatabase({
    kind: 'sqlite',
    file: path.join(dataDir, 'vigil.sqlite'),
    synchronous: 'FULL',
  });
  await migrateToLatest(handle.db);
  const { questionnaireId } = await insertReportChannel(handle.db, Date.now(), undefined);
  await handle.close();

  const { VIGIL_SECRET_KEY: _k, DATABASE_URL: _d, ...inherited } = process.env;
  /** The built server on the prepared data folder, pinned to `core` or free to use every core. */
  const startServer = async (core: number | undefined) => {
    const port = await freePort();
    const server = start(process.execPath, [path.join(ROOT, 'dist/cli.mjs'), 'serve'], {
      ...(core === undefined ? {} : { core }),
      cwd: ROOT,
      env: {
        ...inherited,
        PORT: String(port),
        HOST,
        VIGIL_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        VIGIL_SQLITE_SYNCHRONOUS: 'FULL',
        VIGIL_REPORT_POW_BITS: '0',
        VIGIL_REPORT_RATE_PER_SECOND: '100000',
        VIGIL_REPORT_RATE_BURST: '100000',
        VIGIL_REPORT_MAX_FILE_MB: '8',
      },
    });
    // Ready means the content pack is seeded, so the home page is the real one.
    await waitFor200(server, port, '/readyz', { intervalMs: 50, timeoutMs: 120_000 });
    return { server, port };
  };
  /** Reports with a 5 MB attachment, back to back, sampling the server's memory meanwhile. */
  const attachments = async (server: Started, port: number) => {
    // A short warm-up first: the buffers of uploads in flight and the grown heap are the server's
    // working size; what must stay flat is memory as more and more megabytes go through.
    await load(port, questionnaireId, {
      mode: 'closed',
      connections: ATTACHMENT_CLIENTS,
      durationS: 2,
      attachmentBytes: ATTACHMENT_BYTES,
    });
    const rssBefore = residentMiB(server.pid);
    let rssMax = rssBefore;
    const sampler = setInterval(() => {
      try {
        rssMax = Math.max(rssMax, residentMiB(server.pid));
      } catch {}
    }, 100);
    const out = await load(port, questionnaireId, {
      mode: 'closed',
      connections: ATTACHMENT_CLIENTS,
      durationS,
      attachmentBytes: ATTACHMENT_BYTES,
    });
    clearInterval(sampler);
    return { out, rssBefore, rssMax };
  };

  const { server, port } = await startServer(SERVER_CORE);
  try {
    const probe = { path: '/', intervalMs: 5, headers: { 'accept-language': 'zh-CN' } };
    const errors: Record<string, Record<string, number>> = {};
    const note = (phase: string, out: LoadOutput) => {
      const bad = Object.entries(out.statuses).filter(([s]) => s !== '201');
      if (bad.length > 0) errors[phase] = Object.fromEntries(bad);
    };

    o.log(`  text-only intake, 32 clients back to back, ${durationS} s…`);
    await load(port, questionnaireId, { mode: 'closed', connections: 32, durationS: 2 }); // warm-up
    const text = await load(port, questionnaireId, { mode: 'closed', connections: 32, durationS });
    note('text', text);
    o.log(`    ${text.reportsPerSec.toFixed(0)} reports/s, p99 ${text.reportP99Ms.toFixed(1)} ms`);

    o.log(`  public page p99 idle, then during a ${SURGE_RATE}/s intake surge, ${durationS} s each…`);
    // The probe is a process of its own, as a reader's browser is: the surge generator's own work
    // must not delay the answers the probe times.
    const idle = await load(port, questionnaireId, { mode: 'idle', durationS, probe });
    const startAt = Date.now() + 6_000;
    const [surge, during] = await Promise.all([
      load(port, questionnaireId, { mode: 'open', rate: SURGE_RATE, connections: 256, durationS, startAt }),
      load(port, questionnaireId, { mode: 'idle', durationS, probe, startAt }),
    ]);
    if (surge.late || during.late)
      o.log('    NOTE: a generator started late; the surge and the probe overlap less');
    note('surge', surge);
    o.log(
      `    idle p99 ${idle.probe.p99Ms.toFixed(2)} ms, surge p99 ${during.probe.p99Ms.toFixed(2)} ms at ${surge.reportsPerSec.toFixed(0)} reports/s`,
    );

    o.log(
      `  reports with a 5 MB attachment, ${ATTACHMENT_CLIENTS} clients, ${durationS} s, server on one core…`,
    );
    const pinned = await attachments(server, port);
    note('attachments (one core)', pinned.out);
    o.log(
      `    ${pinned.out.reportsPerSec.toFixed(1)} reports/s (${((pinned.out.reports * ATTACHMENT_BYTES) / 2 ** 20).toFixed(0)} MiB sealed); RSS ${pinned.rssBefore.toFixed(0)} MiB after warm-up, at most ${pinned.rssMax.toFixed(0)} MiB during`,
    );
    await stop(server);
    // A server is not pinned in production; free to use both cores, it shares one with the load
    // generator here, so this figure is shown for information beside the one-core figure.
    o.log('  the same, server free to use both cores…');
    const free = await startServer(undefined);
    let both: Awaited<ReturnType<typeof attachments>>;
    try {
      both = await attachments(free.server, free.port);
    } finally {
      await stop(free.server);
    }
    note('attachments (both cores)', both.out);
    o.log(
      `    ${both.out.reportsPerSec.toFixed(1)} reports/s (${((both.out.reports * ATTACHMENT_BYTES) / 2 ** 20).toFixed(0)} MiB sealed); RSS ${both.rssBefore.toFixed(0)} MiB after warm-up, at most ${both.rssMax.toFixed(0)} MiB during`,
    );
    return {
      textReportsPerSec: text.reportsPerSec,
      textReportP99Ms: text.reportP99Ms,
      idleProbeP99Ms: idle.probe.p99Ms,
      surgeProbeP99Ms: during.probe.p99Ms,
      surgeReportsPerSec: surge.reportsPerSec,
      surgeRatio: during.probe.p99Ms / Math.max(idle.probe.p99Ms, 0.001),
      attachmentReportsPerSecOneCore: pinned.out.reportsPerSec,
      attachmentReportsPerSec: both.out.reportsPerSec,
      attachmentMemoryGrowthMiB: Math.max(pinned.rssMax - pinned.rssBefore, both.rssMax - both.rssBefore),
      errors,
    };
  } finally {
    await stop(server);
  }
}

export function intakeRows(r: IntakeResults): Row[] {
  const rows: Row[] = [
    check('Text-only intake, SQLite synchronous=FULL', r.textReportsPerSec, 'reports/s', '>=', 1000),
    info('Text-only intake p99 latency', `${r.textReportP99Ms.toFixed(1)} ms`),
    info('Public page p99, idle', `${r.idleProbeP99Ms.toFixed(2)} ms`),
    info(
      `Public page p99, during ${SURGE_RATE}/s intake`,
      `${r.surgeProbeP99Ms.toFixed(2)} ms (${r.surgeReportsPerSec.toFixed(0)} reports/s)`,
    ),
    check('Public page p99, surge / idle', r.surgeRatio, 'x', '<', 2),
    check(
      'Reports with a 5 MB attachment, server on one core',
      r.attachmentReportsPerSecOneCore,
      'reports/s',
      '>=',
      50,
    ),
    info(
      'Reports with a 5 MB attachment, server on both cores',
      `${r.attachmentReportsPerSec.toFixed(1)} reports/s (it shares a core with the load generator)`,
    ),
    check('Server memory growth during attachment intake', r.attachmentMemoryGrowthMiB, 'MiB', '<', 64),
  ];
  for (const [phase, statuses] of Object.entries(r.errors))
    rows.push({ ...info(`Intake refusals (${phase})`, JSON.stringify(statuses)), verdict: 'FAIL' });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' } } });
  try {
    await buildBundle();
    const r = await measureIntake({
      log: (l) => process.stdout.write(`${l}\n`),
      durationS: Number(values.duration),
    });
    const { printTable } = await import('./report.ts');
    printTable(intakeRows(r));
  } finally {
    cleanUpNow();
  }
}
