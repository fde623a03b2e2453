/**
 * The idle resident memory of `vigil serve` (the bundle) on a fresh database after seeding and a
 * few page views, the same way bench/home.ts measures it, on its own:
 *   node --import tsx bench/idle-rss.ts [--runs N]
 */
import { parseArgs } from 'node:util';
import { ACCEPT_LANGUAGE } from './home.ts';
import { get, waitFor200 } from './lib/net.ts';
import { residentMiB, stop } from './lib/processes.ts';
import { spawnVigil } from './lib/vigil.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; i < Number(values.runs); i++) {
  const vigil = await spawnVigil();
  try {
    await waitFor200(vigil, vigil.port, '/healthz');
    await waitFor200(vigil, vigil.port, '/readyz');
    for (const [p, h] of [
      ['/healthz', {}],
      ['/', {}],
      ['/', ACCEPT_LANGUAGE],
      ['/readyz', {}],
    ] as const)
      await get(vigil.port, p, h);
    await sleep(2000);
    console.log(`idle RSS ${residentMiB(vigil.pid).toFixed(1)} MiB`);
  } finally {
    await stop(vigil);
  }
}
