/** Builds the bundle and starts `node dist/cli.mjs serve` on a fresh SQLite database. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, HOST } from './net.ts';
import { run, type Started, start, tempDir } from './processes.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

export async function buildBundle(): Promise<void> {
  const result = await run(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], {
    cwd: ROOT,
    timeoutMs: 60_000,
  });
  if (result.code !== 0) throw new Error(`node scripts/build.mjs failed: ${result.stderr}`);
}

export interface VigilServer extends Started {
  port: number;
  dataDir: string;
  /** performance.now() just before the spawn. */
  spawnedAt: number;
}

/** Spawns the built server on a free loopback port with an empty data folder (so migrations run). */
export async function spawnVigil(): Promise<VigilServer> {
  const port = await freePort();
  const dataDir = tempDir('vigil-bench-');
  const { VIGIL_SECRET_KEY: _k, DATABASE_URL: _d, ...inherited } = process.env;
  const env = {
    ...inherited,
    PORT: String(port),
    HOST,
    VIGIL_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
  const spawnedAt = performance.now();
  // stdout is discarded: it carries the one-time first-admin link.
  const p = start(process.execPath, [path.join(ROOT, 'dist/cli.mjs'), 'serve'], {
    core: SERVER_CORE,
    cwd: ROOT,
    env,
  });
  return Object.assign(p, { port, dataDir, spawnedAt });
}
