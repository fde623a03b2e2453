/**
 * The search index shared by every kind of public content (posts, pages, law articles, guides).
 * Feature modules call index()/remove() when what they publish changes; /search reads it.
 * STUB: the search helper implements this (both dialects, Chinese bigrams, English stemming).
 */
import type { Db, Dialect } from '../db/index.ts';
import type { SearchDocsTable } from '../db/schema.ts';
import type { Lang } from '../views/i18n/index.ts';

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

export class SearchIndex {
  constructor(
    readonly db: Db,
    readonly dialect: Dialect,
  ) {}

  async index(_doc: SearchDocument): Promise<void> {}

  async remove(_key: string): Promise<void> {}

  async search(
    _query: string,
    _options: { lang?: Lang; limit: number; offset?: number },
  ): Promise<SearchHit[]> {
    return [];
  }
}
