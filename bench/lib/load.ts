/**
 * Load generation: wrk when it is installed, otherwise bench/load-generator.mjs (a small Node
 * client, much slower than wrk, so its figures are only rough). Either runs in its own process,
 * pinned to the load core.
 */
import fs from 'node:fs';
import path from 'node:path';
import { run } from './processes.ts';
import { LOAD_CORE, ROOT } from './vigil.ts';

export interface LoadSettings {
  threads: number;
  connections: number;
  durationS: number;
  headers: Record<string, string>;
}

export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Socket errors plus non-2xx/3xx responses. */
  errors: number;
}

export function findWrk(): string | undefined {
  const dirs = ['/usr/bin', ...(process.env.PATH ?? '').split(path.delimiter)];
  for (const dir of dirs) {
    const file = path.join(dir, 'wrk');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export async function generateLoad(
  wrk: string | undefined,
  url: string,
  s: LoadSettings,
): Promise<LoadResult> {
  const timeoutMs = (s.durationS + 20) * 1000;
  if (wrk) {
    const header = Object.entries(s.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    const args = ['-t', String(s.threads), '-c', String(s.connections), '-d', `${s.durationS}s`];
    const r = await run(wrk, [...args, '--latency', ...header, url], { core: LOAD_CORE, timeoutMs });
    if (r.code !== 0) throw new Error(`wrk failed (${r.code}): ${r.stderr || r.stdout}`);
    return parseWrk(r.stdout);
  }
  const script = path.join(ROOT, 'bench/load-generator.mjs');
  const config = JSON.stringify({
    url,
    connections: s.connections,
    durationS: s.durationS,
    headers: s.headers,
  });
  const r = await run(process.execPath, [script, config], { core: LOAD_CORE, timeoutMs });
  if (r.code !== 0) throw new Error(`load generator failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as LoadResult;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function duration(text: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '');
  if (!m) throw new Error(`unexpected wrk duration "${text}"`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

export function parseWrk(out: string): LoadResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const requests = /(\d+) requests in/.exec(out);
  if (!rps || !requests) throw new Error(`could not read wrk output:\n${out}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const errors =
    (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + Number(non2xx?.[1] ?? 0);
  return {
    requestsPerSec: Number(rps[1]),
    p50Ms: duration(/^\s+50%\s+(\S+)/m.exec(out)?.[1]),
    p99Ms: duration(/^\s+99%\s+(\S+)/m.exec(out)?.[1]),
    requests: Number(requests[1]),
    errors,
  };
}
