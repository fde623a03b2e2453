/**
 * Builds feeds and the sitemap from the repository, and keeps them in a DocumentCache that content
 * changes clear. Generation reads at most 50 rows per language plus their tags.
 */
import type { AppContext } from '../../app-context.ts';
import { fill, LANGS, type Lang } from '../../platform/views/i18n/index.ts';
import { DocumentCache, type Generated } from './cache.ts';
import { type FeedDocument, type FeedEntry, renderFeed } from './formats.ts';
import { feedMessages } from './messages.ts';
import type { FeedPost, FeedRepository } from './repository.ts';
import { renderRobots, renderSitemap } from './sitemap.ts';
import {
  FEED_EXTENSIONS,
  FEED_TYPES,
  type FeedFormat,
  feedPath,
  guidePath,
  lawArticlePath,
  lawPath,
  postPath,
  tagPath,
} from './urls.ts';
import { absolutiseUrls } from './xml.ts';

export const FEED_LIMIT = 50;
/** Tags are slugs: letters (any script), digits, marks, dot, dash, underscore; at most 80. */
export const TAG_PATTERN = /^[\p{L}\p{N}\p{M}][\p{L}\p{N}\p{M}._-]{0,79}$/u;

export interface FeedRequest {
  format: FeedFormat;
  lang?: Lang;
  tag?: string;
}

export class FeedService {
  readonly cache: DocumentCache;
  private readonly host: string;

  constructor(
    private readonly ctx: AppContext,
    readonly repo: FeedRepository,
  ) {
    this.cache = new DocumentCache(ctx.now);
    this.host = new URL(ctx.config.publicUrl).hostname;
  }

  private get base(): string {
    return this.ctx.config.publicUrl;
  }

  static cacheKey(r: FeedRequest): string {
    return `feed|${r.format}|${r.lang ?? '*'}|${r.tag ?? ''}`;
  }

  /** The feed, or undefined for a tag no published post carries. */
  async generate(r: FeedRequest): Promise<Generated | undefined> {
    const posts = await this.repo.latest({ lang: r.lang, tag: r.tag, limit: FEED_LIMIT });
    if (r.tag !== undefined && posts.length === 0) return undefined;
    const doc = this.document(r, posts);
    return { body: renderFeed(r.format, doc), type: FEED_TYPES[r.format], lastModified: doc.updated };
  }

  document(r: FeedRequest, posts: FeedPost[]): FeedDocument {
    const site = this.ctx.settings.site;
    const names = (lang: Lang) => site.orgName[lang];
    let title: string;
    let description: string;
    if (r.lang) {
      const m = feedMessages(r.lang);
      title = r.tag ? fill(m.tagTitle, { site: names(r.lang), tag: r.tag }) : names(r.lang);
      description = r.tag
        ? fill(m.tagDescription, { tag: r.tag })
        : site.tagline[r.lang] || m.feedDescription;
    } else {
      const distinct = [...new Set(LANGS.map(names))].join(' · ');
      title = r.tag
        ? LANGS.map((l) => fill(feedMessages(l).tagTitle, { site: names(l), tag: r.tag! })).join(' · ')
        : distinct;
      description = LANGS.map((l) =>
        r.tag ? fill(feedMessages(l).tagDescription, { tag: r.tag }) : feedMessages(l).feedDescription,
      ).join(' / ');
    }
    const entries: FeedEntry[] = posts.map((p) => ({
      id: this.entryId(p),
      url: `${this.base}${postPath(this.ctx, p)}`,
      title: p.title,
      summary: p.summary,
      html: absolutiseUrls(p.html, this.base),
      published: p.firstPublishedAt,
      updated: p.publishedAt,
      tags: p.tags,
      lang: p.lang,
    }));
    const updated = entries.reduce((max, x) => Math.max(max, x.updated), 0) || this.ctx.now();
    const formats = Object.keys(FEED_EXTENSIONS) as FeedFormat[];
    return {
      title,
      description,
      lang: r.lang,
      htmlUrl: `${this.base}${r.tag ? tagPath(r.tag) : '/'}`,
      selfUrl: `${this.base}${feedPath(r.format, r.lang, r.tag)}`,
      alternates: formats.map((format) => ({
        format,
        url: `${this.base}${feedPath(format, r.lang, r.tag)}`,
      })),
      authorName: r.lang ? names(r.lang) : names(LANGS[0]!),
      updated,
      entries,
    };
  }

  /** A tag: URI (RFC 4151): stable across slug and title changes, never reused. */
  entryId(p: FeedPost): string {
    const day = new Date(p.firstPublishedAt).toISOString().slice(0, 10);
    return `tag:${this.host},${day}:post/${p.id}`;
  }

  async sitemap(): Promise<Generated> {
    const data = await this.repo.sitemap();
    const { body, lastModified } = renderSitemap(data, {
      base: this.base,
      post: (p) => `${this.base}${postPath(this.ctx, p)}`,
      law: (l) => `${this.base}${lawPath(l)}`,
      article: (l, a) => `${this.base}${lawArticlePath(l, a)}`,
      guide: (g) => `${this.base}${guidePath(g)}`,
    });
    return { body, type: 'application/xml; charset=utf-8', lastModified: lastModified || this.ctx.now() };
  }

  robots(): Generated {
    return { body: renderRobots(this.base), type: 'text/plain; charset=utf-8', lastModified: this.ctx.now() };
  }
}
