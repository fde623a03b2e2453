/**
 * The search index shared by every kind of public content (posts, pages, law articles, guides).
 * Feature modules call index()/remove() when what they publish changes; /search reads it.
 *
 * One row per document and language in search_docs, whose `terms` column holds the normalised
 * tokens (see tokenize.ts). SQLite indexes `terms` with FTS5 (unicode61: the tokens are already
 * split by spaces), kept in step by triggers, and ranks with bm25. PostgreSQL keeps a generated
 * tsvector ('simple' configuration: no stemming or stop words of its own) under a GIN index and
 * ranks with ts_rank. Query terms are quoted one by one and passed as a bound parameter: user input
 * never reaches the SQL text, nor the FTS5 or tsquery syntax unquoted.
 */
import { sql } from 'kysely';
import type { Db, Dialect } from '../db/index.ts';
import type { SearchDocsTable } from '../db/schema.ts';
import type { Lang } from '../views/i18n/index.ts';
import { documentTerms, filterTerm, makeSnippet, queryTerms } from './tokenize.ts';

export {
  highlightRanges,
  MAX_QUERY_CHARS,
  MAX_QUERY_TERMS,
  makeSnippet,
  queryTerms,
} from './tokenize.ts';

export interface SearchDocument {
  /** Unique per document and language, e.g. `post:<id>`, `law:<law>/<article>:en`, `guide:<slug>:zh-CN`. */
  key: string;
  kind: SearchDocsTable['kind'];
  lang: Lang;
  title: string;
  /** Plain text (no markup) of the body. */
  text: string;
  url: string;
  updatedAt: number;
}

export interface SearchHit {
  key: string;
  kind: SearchDocsTable['kind'];
  lang: Lang;
  title: string;
  url: string;
  /** Plain-text snippet with the matched terms marked as [start, end) ranges, for the view to highlight. */
  snippet: string;
  highlights: [number, number][];
}

export interface SearchOptions {
  /** Only documents in this language. */
  lang?: Lang;
  /** Only documents of this kind. */
  kind?: SearchDocsTable['kind'];
  /** At most MAX_LIMIT. */
  limit: number;
  /** At most MAX_OFFSET. */
  offset?: number;
}

export const MAX_LIMIT = 100;
/**
 * At most this many matches are ranked. Ranking reads every ranked row, so a word found in half
 * the corpus would otherwise cost a read of half the corpus: past this many matches, the best of
 * the first CANDIDATES the index yields are shown (SQLite: the most recently added; PostgreSQL:
 * in table order). Results beyond it are not offered: a narrower query finds them.
 */
export const CANDIDATES = 500;
export const MAX_OFFSET = CANDIDATES;
/** The stored body (used for snippets) is cut to this many characters. */
export const MAX_BODY_CHARS = 100_000;
/** Rows per INSERT when indexing many documents at once. */
const BATCH_ROWS = 200;

/** An FTS5 query: every term as a quoted string, which FTS5 ANDs. */
export function ftsQuery(terms: readonly string[]): string {
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' ');
}

/** A tsquery: every term as a quoted lexeme, joined with &. */
export function tsQuery(terms: readonly string[]): string {
  return terms.map((t) => `'${t.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`).join(' & ');
}

function clampInt(n: number | undefined, min: number, max: number, fallback: number): number {
  if (n === undefined || !Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, Math.trunc(n)));
}

function row(doc: SearchDocument): SearchDocsTable {
  const title = doc.title.replace(/\s+/g, ' ').trim();
  const body = doc.text.replace(/\s+/g, ' ').trim().slice(0, MAX_BODY_CHARS);
  return {
    key: doc.key,
    kind: doc.kind,
    lang: doc.lang,
    title,
    body,
    url: doc.url,
    terms: `${filterTerm('lang', doc.lang)} ${filterTerm('kind', doc.kind)} ${documentTerms(title, body)}`,
    updated_at: doc.updatedAt,
  };
}

interface Found {
  key: string;
  kind: SearchDocsTable['kind'];
  lang: Lang;
  title: string;
  url: string;
  body: string;
}

export class SearchIndex {
  constructor(
    readonly db: Db,
    readonly dialect: Dialect,
  ) {}

  /** Adds or replaces one document. */
  async index(doc: SearchDocument): Promise<void> {
    await this.upsert(this.db, [row(doc)]);
  }

  /** Adds or replaces many documents in one transaction (seeding, re-indexing, the benchmark). */
  async indexMany(docs: readonly SearchDocument[]): Promise<void> {
    if (docs.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < docs.length; i += BATCH_ROWS) {
        // A key twice in one INSERT ... ON CONFLICT is an error on PostgreSQL: the last one wins.
        const batch = new Map<string, SearchDocsTable>();
        for (const d of docs.slice(i, i + BATCH_ROWS)) batch.set(d.key, row(d));
        await this.upsert(trx, [...batch.values()]);
      }
    });
  }

  private async upsert(db: Db, rows: SearchDocsTable[]): Promise<void> {
    await db
      .insertInto('search_docs')
      .values(rows)
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          kind: eb.ref('excluded.kind'),
          lang: eb.ref('excluded.lang'),
          title: eb.ref('excluded.title'),
          body: eb.ref('excluded.body'),
          url: eb.ref('excluded.url'),
          terms: eb.ref('excluded.terms'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  async remove(key: string): Promise<void> {
    await this.db.deleteFrom('search_docs').where('key', '=', key).execute();
  }

  /** Removes every document whose key starts with `prefix` (e.g. all articles of one law). */
  async removePrefix(prefix: string): Promise<void> {
    const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
    await sql`delete from search_docs where key like ${`${escaped}%`} escape '\\'`.execute(this.db);
  }

  /**
   * Index housekeeping, run daily by the search module's job (and by the benchmark after its bulk
   * load). SQLite: merge FTS5's segments into one, so a query reads one doclist per term instead
   * of one per segment. PostgreSQL: move the GIN pending list (recent inserts) into the index proper.
   */
  async optimize(): Promise<void> {
    if (this.dialect === 'sqlite') {
      await sql`insert into search_fts(search_fts) values ('optimize')`.execute(this.db);
    } else {
      await sql`select gin_clean_pending_list('search_docs_tsv'::regclass)`.execute(this.db);
    }
  }

  /**
   * The best matches for a query (every term must match), best first, each with a snippet of its
   * body around the matches. An empty or unusable query finds nothing. The caller asks for one more
   * than a page to know whether there is a next page: nothing counts every match.
   */
  async search(query: string, options: SearchOptions): Promise<SearchHit[]> {
    const terms = queryTerms(query);
    if (terms.length === 0) return [];
    const limit = clampInt(options.limit, 1, MAX_LIMIT, 10);
    const offset = clampInt(options.offset, 0, MAX_OFFSET, 0);
    const wanted = Math.min(offset + limit, CANDIDATES);
    if (offset >= wanted) return [];
    // The filters are terms too (see filterTerm), ANDed with the query's by the index itself.
    const all = [...terms];
    if (options.lang) all.push(filterTerm('lang', options.lang));
    if (options.kind) all.push(filterTerm('kind', options.kind));
    const found =
      this.dialect === 'sqlite'
        ? await this.sqliteSearch(all, wanted)
        : await this.postgresSearch(all, wanted);
    return found.slice(offset, offset + limit).map((r) => {
      const { snippet, highlights } = makeSnippet(r.body, terms);
      return { key: r.key, kind: r.kind, lang: r.lang, title: r.title, url: r.url, snippet, highlights };
    });
  }

  private async sqliteSearch(terms: string[], wanted: number): Promise<Found[]> {
    // The newest CANDIDATES matches (FTS5 walks its doclists backwards by rowid, no sort), ranked
    // by bm25: rank is computed for those rows only. Only the page's rows are read from search_docs.
    const r = await sql<Found>`select d.key, d.kind, d.lang, d.title, d.url, d.body
      from (select id, score from (
              select rowid as id, rank as score
              from search_fts
              where search_fts match ${ftsQuery(terms)}
              order by rowid desc
              limit ${CANDIDATES})
            order by score, id desc
            limit ${wanted}) c
      join search_docs d on d.rowid = c.id
      order by c.score, c.id desc`.execute(this.db);
    return r.rows;
  }

  private async postgresSearch(terms: string[], wanted: number): Promise<Found[]> {
    // The first CANDIDATES matches from the GIN index, with their ts_rank; see migration
    // 2026-11-22-0006-search for why this is a function (it keeps the planner off sequential scans).
    const r = await sql<Found>`select key, kind, lang, title, url, body
      from vigil_search_candidates(to_tsquery('simple', ${tsQuery(terms)}), ${CANDIDATES})
      order by score desc, key
      limit ${wanted}`.execute(this.db);
    return r.rows;
  }
}
