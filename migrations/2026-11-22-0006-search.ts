import { type Kysely, sql } from 'kysely';
import { columnTypes } from './helpers.ts';

// Frozen: never edit once landed. Add a new migration instead.
// Search, as measured over 100,000 documents (bench/search.ts):
// - the (lang, kind) index goes: the language and kind are terms in `terms` now, so the text index
//   filters by itself. On PostgreSQL the planner used to AND this index's bitmap (half the table
//   for a language) with the text index's, at a loss; on both it only cost writes;
// - PostgreSQL keeps the tsvector in the heap row (storage main): ranking reads it for every
//   candidate, and out of line each read costs a TOAST index lookup and more pages. `terms` and
//   `body` (read only to rebuild the tsvector and for the few snippets shown) go out of line first;
// - PostgreSQL finds the candidates to rank through vigil_search_candidates(), which turns off
//   sequential scans for its one query: with a LIMIT the planner often prefers a sequential scan
//   that detoasts and tests every row it passes (3-5x slower than the GIN bitmap here) and, with
//   synchronised scans, starts somewhere else each time, so one query could rank different
//   candidates from one call to the next. A function setting it costs one round trip, where
//   BEGIN / SET LOCAL / SELECT / COMMIT cost four.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists search_docs_lang`.execute(db);
  if (!columnTypes(db).postgres) return;
  await sql`alter table search_docs alter column tsv set storage main`.execute(db);
  await sql`create function vigil_search_candidates(q tsquery, n integer)
    returns table (key text, kind text, lang text, title text, url text, body text, score real)
    language sql stable
    set enable_seqscan = off
    as $$
      select d.key, d.kind, d.lang, d.title, d.url, d.body, ts_rank(d.tsv, q)
      from search_docs d
      where d.tsv @@ q
      limit n
    $$`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('This migration cannot be reverted.');
}
