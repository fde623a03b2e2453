/** Figure 1: spawn to the first 200 from /healthz, on a fresh SQLite database each run. */
import { waitFor200 } from './lib/net.ts';
import { removeTempDir, stop } from './lib/processes.ts';
import { spawnVigil } from './lib/vigil.ts';

export interface ColdStart {
  runsMs: number[];
  medianMs: number;
  maxMs: number;
}

export async function measureColdStart(runs: number): Promise<ColdStart> {
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const server = await spawnVigil();
    try {
      await waitFor200(server, server.port, '/healthz', { intervalMs: 5 });
      runsMs.push(performance.now() - server.spawnedAt);
    } finally {
      await stop(server);
      removeTempDir(server.dataDir);
    }
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { runsMs, medianMs, maxMs: sorted[sorted.length - 1]! };
}
