/**
 * SQL for feeds, the sitemap and daily view counts. Feeds read the live (`pub_*`) columns of
 * published posts only, newest live revision first, through the posts_live index
 * (status, lang, published_at): one index range per language, read backwards, never a sort of the
 * whole table. An all-language feed runs that per language and merges the two short lists.
 */
import type { Db, Dialect } from '../../platform/db/index.ts';
import { LANGS, type Lang } from '../../platform/views/i18n/index.ts';

export interface FeedPost {
  id: string;
  kind: 'post' | 'page';
  lang: Lang;
  slug: string;
  title: string;
  summary: string;
  html: string;
  firstPublishedAt: number;
  publishedAt: number;
  tags: string[];
}

export interface SitemapPost {
  id: string;
  kind: 'post' | 'page';
  lang: Lang;
  slug: string;
  group: string;
  publishedAt: number;
}

export interface SitemapData {
  posts: SitemapPost[];
  laws: { slug: string; updatedAt: number }[];
  articles: { law: string; slug: string; updatedAt: number }[];
  guides: { slug: string; updatedAt: number }[];
}

/** The sitemap protocol's limit for one file. */
export const SITEMAP_MAX_URLS = 50_000;

export class FeedRepository {
  constructor(
    private readonly db: Db,
    readonly dialect: Dialect,
  ) {}

  /** The newest published posts (kind 'post'), optionally of one language and/or one tag. */
  async latest(options: { lang?: Lang; tag?: string; limit: number }): Promise<FeedPost[]> {
    const langs = options.lang ? [options.lang] : LANGS;
    // One language after the other: two short index reads on one connection beat holding two.
    const lists = [];
    for (const lang of langs) lists.push(await this.latestIn(lang, options.tag, options.limit));
    const rows = lists
      .flat()
      .sort((a, b) => b.published_at - a.published_at || (a.id < b.id ? 1 : -1))
      .slice(0, options.limit);
    const tags = await this.tagsOf(rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      lang: r.lang,
      slug: r.slug,
      title: r.pub_title ?? '',
      summary: r.pub_summary ?? '',
      html: r.pub_html ?? '',
      firstPublishedAt: r.first_published_at ?? r.published_at,
      publishedAt: r.published_at,
      tags: tags.get(r.id) ?? [],
    }));
  }

  private async latestIn(lang: Lang, tag: string | undefined, limit: number) {
    let q = this.db
      .selectFrom('posts')
      .select([
        'posts.id',
        'posts.kind',
        'posts.lang',
        'posts.slug',
        'posts.pub_title',
        'posts.pub_summary',
        'posts.pub_html',
        'posts.first_published_at',
        'posts.published_at',
      ])
      .where('posts.status', '=', 'published')
      .where('posts.lang', '=', lang)
      .where('posts.kind', '=', 'post')
      .where('posts.published_at', 'is not', null);
    if (tag !== undefined) {
      // Driven from the tag's own index (post_tags_tag): cost follows the tag's size, not the table's.
      q = q.innerJoin('post_tags', (join) =>
        join.onRef('post_tags.post_id', '=', 'posts.id').on('post_tags.tag', '=', tag),
      );
    }
    const rows = await q.orderBy('posts.published_at', 'desc').limit(limit).execute();
    return rows.map((r) => ({ ...r, published_at: Number(r.published_at) }));
  }

  /** The statement the feed of one language runs, for EXPLAIN in tests and the bench. */
  latestSql(lang: Lang, limit: number): { sql: string; parameters: readonly unknown[] } {
    const compiled = this.db
      .selectFrom('posts')
      .select(['posts.id', 'posts.pub_title', 'posts.published_at'])
      .where('posts.status', '=', 'published')
      .where('posts.lang', '=', lang)
      .where('posts.kind', '=', 'post')
      .where('posts.published_at', 'is not', null)
      .orderBy('posts.published_at', 'desc')
      .limit(limit)
      .compile();
    return { sql: compiled.sql, parameters: compiled.parameters };
  }

  private async tagsOf(ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (ids.length === 0) return out;
    const rows = await this.db
      .selectFrom('post_tags')
      .select(['post_id', 'tag'])
      .where('post_id', 'in', ids)
      .orderBy('tag')
      .execute();
    for (const r of rows) {
      const list = out.get(r.post_id) ?? [];
      list.push(r.tag);
      out.set(r.post_id, list);
    }
    return out;
  }

  async sitemap(): Promise<SitemapData> {
    const [posts, laws, articles, guides] = await Promise.all([
      this.db
        .selectFrom('posts')
        .select(['id', 'kind', 'lang', 'slug', 'translation_group', 'published_at'])
        .where('status', '=', 'published')
        .where('published_at', 'is not', null)
        .orderBy('published_at', 'desc')
        .limit(SITEMAP_MAX_URLS)
        .execute(),
      this.db.selectFrom('laws').select(['slug', 'updated_at']).orderBy('position').orderBy('slug').execute(),
      this.db
        .selectFrom('law_articles')
        .select(['law_slug', 'slug', 'updated_at'])
        .orderBy('law_slug')
        .orderBy('article_no')
        .orderBy('slug')
        .execute(),
      this.db
        .selectFrom('guides')
        .select(['slug', 'updated_at'])
        .orderBy('position')
        .orderBy('slug')
        .execute(),
    ]);
    return {
      posts: posts.map((p) => ({
        id: p.id,
        kind: p.kind,
        lang: p.lang,
        slug: p.slug,
        group: p.translation_group,
        publishedAt: Number(p.published_at),
      })),
      laws: laws.map((l) => ({ slug: l.slug, updatedAt: Number(l.updated_at) })),
      articles: articles.map((a) => ({ law: a.law_slug, slug: a.slug, updatedAt: Number(a.updated_at) })),
      guides: guides.map((g) => ({ slug: g.slug, updatedAt: Number(g.updated_at) })),
    };
  }
}
