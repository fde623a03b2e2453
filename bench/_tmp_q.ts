import { openDatabase } from '../src/platform/db/index.ts';
import { SearchIndex } from '../src/platform/search/index.ts';
import { generateQueries } from './search.ts';
const which = process.argv[2];
const handle = which === 'pg' ? openDatabase({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test' }, { searchPath: 'searchexp', poolSize: 4 }) : openDatabase({ kind: 'sqlite', file: '/tmp/searchexp.sqlite', synchronous: 'NORMAL' });
const idx = new SearchIndex(handle.db, handle.dialect);
const qs = generateQueries(500);
for (const q of generateQueries(100, 99)) await idx.search(q.q, { lang: q.lang, limit: 11 });
const times: [number, string, number][] = [];
for (const q of qs) { const s = performance.now(); const h = await idx.search(q.q, { lang: q.lang, limit: 11 }); times.push([performance.now() - s, q.q + (q.lang ? ` [${q.lang}]` : ''), h.length]); }
times.sort((a, b) => a[0] - b[0]);
const p = (x: number) => times[Math.ceil(x / 100 * times.length) - 1]![0].toFixed(2);
console.log(which, 'p50', p(50), 'p95', p(95), 'p99', p(99));
console.log(times.slice(-8).map((t) => `${t[0].toFixed(1)} ${t[1]} ${t[2]}`).join('\n'));
await handle.close();
