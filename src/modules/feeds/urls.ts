/**
 * Where public content lives, for feeds, the sitemap and notification emails. The content module
 * owns post addresses: when its service offers `postPath`, that is used; otherwise the conventional
 * `/posts/<slug>` (and `/pages/<slug>`) stands in. Law articles live at `/law/<law>/<article>` (the
 * issue fixes that) and guides at `/guides/<slug>`.
 */
import type { AppContext } from '../../app-context.ts';
import type { Lang } from '../../platform/views/i18n/index.ts';

export interface PostRef {
  kind: 'post' | 'page';
  lang: Lang;
  slug: string;
}

interface ContentUrls {
  postPath?: (post: PostRef) => string;
}

export function postPath(ctx: AppContext, post: PostRef): string {
  const content = ctx.services.get('content') as ContentUrls | undefined;
  if (typeof content?.postPath === 'function') return content.postPath(post);
  return `/${post.kind === 'page' ? 'pages' : 'posts'}/${encodeURIComponent(post.slug)}`;
}

export function lawPath(law: string): string {
  return `/law/${encodeURIComponent(law)}`;
}

export function lawArticlePath(law: string, article: string): string {
  return `/law/${encodeURIComponent(law)}/${encodeURIComponent(article)}`;
}

export function guidePath(slug: string): string {
  return `/guides/${encodeURIComponent(slug)}`;
}

export function tagPath(tag: string): string {
  return `/tags/${encodeURIComponent(tag)}`;
}

/** The path of a feed: `/feed.xml`, `/en/feed.atom`, `/zh-CN/tags/<tag>/feed.json`... */
export function feedPath(format: FeedFormat, lang?: Lang, tag?: string): string {
  return `${lang ? `/${lang}` : ''}${tag ? `${tagPath(tag)}` : ''}/feed.${FEED_EXTENSIONS[format]}`;
}

export type FeedFormat = 'rss' | 'atom' | 'json';
export const FEED_EXTENSIONS: Record<FeedFormat, string> = { rss: 'xml', atom: 'atom', json: 'json' };
export const FEED_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};
