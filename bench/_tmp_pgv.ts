import pg from 'pg';
import { queryTerms } from '../src/platform/search/tokenize.ts';
import { tsQuery } from '../src/platform/search/index.ts';
import { generateQueries } from './search.ts';
const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', options: '-c search_path=searchexp' });
await c.connect();
const SQL = `select c.key, c.kind, c.lang, c.title, c.url, c.body
        from (select d.key, d.kind, d.lang, d.title, d.url, d.body, ts_rank(d.tsv, q) as score
              from search_docs d, to_tsquery('simple', $1) q
              where d.tsv @@ q
              limit 500) c
        order by c.score desc, c.key
        limit 11`;
const FSQL = `select key, kind, lang, title, url, body from search_candidates(to_tsquery('simple', $1), 500) order by score desc, key limit 11`;
const qs = generateQueries(500).map((q) => tsQuery(queryTerms(q.q)));
for (const q of generateQueries(100, 99)) await c.query(SQL, [tsQuery(queryTerms(q.q))]);
const A: number[] = [], B: number[] = [];
for (const q of qs) {
  let s = performance.now(); await c.query(FSQL, [q]); A.push(performance.now() - s);
  s = performance.now(); await c.query('begin'); await c.query('set local enable_seqscan = off'); await c.query(SQL, [q]); await c.query('commit'); B.push(performance.now() - s);
}
const p = (xs: number[], x: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.ceil(x / 100 * s.length) - 1]!.toFixed(1); };
console.log('func    p50', p(A, 50), 'p95', p(A, 95), 'p99', p(A, 99));
console.log('noseq   p50', p(B, 50), 'p95', p(B, 95), 'p99', p(B, 99));
await c.end();
