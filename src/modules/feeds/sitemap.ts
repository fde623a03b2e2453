/**
 * /sitemap.xml (sitemaps.org 0.9): home, every published post and page in both languages (with
 * hreflang alternates between translations), the laws, their articles and the guides, each with its
 * lastmod. /robots.txt points to it and keeps crawlers out of the back office and one-time links.
 */
import { LANGS } from '../../platform/views/i18n/index.ts';
import type { SitemapData } from './repository.ts';
import { xmlEscape as e, rfc3339 } from './xml.ts';

export interface SitemapUrls {
  base: string;
  post: (p: SitemapData['posts'][number]) => string;
  law: (law: string) => string;
  article: (law: string, article: string) => string;
  guide: (slug: string) => string;
}

export function renderSitemap(data: SitemapData, urls: SitemapUrls): { body: string; lastModified: number } {
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
  ];
  const url = (loc: string, lastmod: number | undefined, extra = '') =>
    out.push(
      `<url><loc>${e(loc)}</loc>${lastmod ? `<lastmod>${rfc3339(lastmod)}</lastmod>` : ''}${extra}</url>`,
    );
  let newest = data.posts[0]?.publishedAt ?? 0;
  for (const x of [...data.laws, ...data.articles, ...data.guides]) newest = Math.max(newest, x.updatedAt);
  url(`${urls.base}/`, newest || undefined);

  const groups = new Map<string, SitemapData['posts']>();
  for (const p of data.posts) {
    const list = groups.get(p.group) ?? [];
    list.push(p);
    groups.set(p.group, list);
  }
  for (const p of data.posts) {
    const siblings = groups.get(p.group) ?? [];
    const alternates =
      siblings.length > 1
        ? LANGS.flatMap((lang) => siblings.filter((s) => s.lang === lang).slice(0, 1))
            .map((s) => `<xhtml:link rel="alternate" hreflang="${s.lang}" href="${e(urls.post(s))}"/>`)
            .join('')
        : '';
    url(urls.post(p), p.publishedAt, alternates);
  }
  for (const l of data.laws) url(urls.law(l.slug), l.updatedAt);
  for (const a of data.articles) url(urls.article(a.law, a.slug), a.updatedAt);
  for (const g of data.guides) url(urls.guide(g.slug), g.updatedAt);
  out.push('</urlset>', '');
  return { body: out.join('\n'), lastModified: newest };
}

export function renderRobots(base: string): string {
  return [
    'User-agent: *',
    'Disallow: /admin',
    'Disallow: /lang/',
    'Disallow: /subscribe/confirm/',
    'Disallow: /unsubscribe/',
    'Allow: /',
    '',
    `Sitemap: ${base}/sitemap.xml`,
    '',
  ].join('\n');
}
