/**
 * Figures 2 and 3: Vigil's idle resident memory, then the public home page under load against a
 * bare node:http server sending the very same bytes (the ceiling). Both servers are pinned to the
 * server core and loaded one at a time (the other sits idle); the load generator runs in its own
 * process on the other core. With --rounds N the two alternate N times and medians are reported,
 * which evens out other processes competing for the cores.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateLoad, type LoadResult, type LoadSettings } from './lib/load.ts';
import { freePort, type Got, get, HOST, waitFor200 } from './lib/net.ts';
import {
  cpuSeconds,
  removeTempDir,
  residentMiB,
  type Started,
  sleep,
  start,
  stop,
  tempDir,
} from './lib/processes.ts';
import { ROOT, SERVER_CORE, spawnVigil } from './lib/vigil.ts';

export const ACCEPT_LANGUAGE = { 'accept-language': 'zh-CN' };

export interface Measured extends LoadResult {
  /** Share of one core the server used during the measured run: well under 1 means it was starved. */
  serverCpuShare: number;
  /** Requests per CPU-second of the server: steadier than req/s when other processes compete. */
  requestsPerCpuSecond: number;
}

export interface HomeResults {
  idleRssMiB: number;
  afterLoadRssMiB: number;
  bodyBytes: number;
  contentType: string;
  /** The median round of each (by req/s). */
  vigil: Measured;
  bare: Measured;
  /** Median over rounds of Vigil req/s / bare req/s (each round's pair ran back to back). */
  ratio: number;
  /** The same for requests per server CPU-second. */
  cpuRatio: number;
  rounds: { vigil: Measured; bare: Measured }[];
}

async function measure(
  wrk: string | undefined,
  server: Started,
  port: number,
  s: LoadSettings,
  pagePath = '/',
) {
  const cpu0 = cpuSeconds(server.pid);
  const t0 = performance.now();
  const result = await generateLoad(wrk, `http://${HOST}:${port}${pagePath}`, s);
  const wallS = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(server.pid) - cpu0;
  return {
    ...result,
    serverCpuShare: cpu / wallS,
    requestsPerCpuSecond: cpu > 0 ? result.requests / cpu : 0,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const medianRun = (runs: Measured[]) =>
  [...runs].sort((a, b) => a.requestsPerSec - b.requestsPerSec)[(runs.length - 1) >> 1]!;

export async function measureHome(
  wrk: string | undefined,
  settings: LoadSettings,
  warmUpS: number,
  roundCount: number,
  log: (line: string) => void,
  /** The public page to measure: the home page, or a post page of the seeded content pack. */
  pagePath = '/',
): Promise<HomeResults> {
  const vigil = await spawnVigil();
  const dir = tempDir('vigil-bench-bare-');
  let bare: Started | undefined;
  try {
    await waitFor200(vigil, vigil.port, '/healthz');
    // Measure the steady state: an empty database is seeded with the content pack after the server
    // answers, and /readyz says 200 only once that is done.
    await waitFor200(vigil, vigil.port, '/readyz');
    for (const [p, h] of [
      ['/healthz', {}],
      ['/', {}],
      ['/', ACCEPT_LANGUAGE],
      [pagePath, ACCEPT_LANGUAGE],
      ['/readyz', {}],
    ] as const) {
      await get(vigil.port, p, h);
    }
    await sleep(2000);
    const idleRssMiB = residentMiB(vigil.pid);
    log(`  idle RSS ${idleRssMiB.toFixed(1)} MiB`);

    const page: Got = await get(vigil.port, pagePath, ACCEPT_LANGUAGE);
    if (page.status !== 200) throw new Error(`GET ${pagePath} answered ${page.status}`);
    const contentType = String(page.headers['content-type']);
    log(`  GET ${pagePath} (zh-CN): ${page.body.length} bytes, ${contentType}`);

    const bodyFile = path.join(dir, 'home.html');
    fs.writeFileSync(bodyFile, page.body);
    const port = await freePort();
    const script = path.join(ROOT, 'bench/bare-server.mjs');
    bare = start(process.execPath, [script, String(port), bodyFile, contentType], { core: SERVER_CORE });
    await waitFor200(bare, port, '/');
    const check = await get(port, '/', ACCEPT_LANGUAGE);
    if (!check.body.equals(page.body) || check.headers['content-type'] !== contentType) {
      throw new Error('the bare server does not send the same bytes');
    }

    const warmUp = { ...settings, durationS: warmUpS };
    await generateLoad(wrk, `http://${HOST}:${vigil.port}${pagePath}`, warmUp);
    await generateLoad(wrk, `http://${HOST}:${port}/`, warmUp);
    const rounds: HomeResults['rounds'] = [];
    for (let i = 0; i < roundCount; i++) {
      const v = await measure(wrk, vigil, vigil.port, settings, pagePath);
      log(`  Vigil: ${describe(v)}`);
      const b = await measure(wrk, bare, port, settings);
      log(`  bare:  ${describe(b)}`);
      rounds.push({ vigil: v, bare: b });
    }
    const afterLoadRssMiB = residentMiB(vigil.pid);

    return {
      idleRssMiB,
      afterLoadRssMiB,
      bodyBytes: page.body.length,
      contentType,
      vigil: medianRun(rounds.map((r) => r.vigil)),
      bare: medianRun(rounds.map((r) => r.bare)),
      ratio: median(rounds.map((r) => r.vigil.requestsPerSec / r.bare.requestsPerSec)),
      cpuRatio: median(rounds.map((r) => r.vigil.requestsPerCpuSecond / r.bare.requestsPerCpuSecond)),
      rounds,
    };
  } finally {
    if (bare) await stop(bare);
    await stop(vigil);
    removeTempDir(vigil.dataDir);
    removeTempDir(dir);
  }
}

function describe(m: Measured): string {
  const share = `server used ${(m.serverCpuShare * 100).toFixed(0)}% of a core`;
  return `${m.requestsPerSec.toFixed(0)} req/s, p99 ${m.p99Ms.toFixed(2)} ms, ${share}`;
}
