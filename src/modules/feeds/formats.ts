/**
 * The three feed formats, from one plain description of a feed. Pure functions: the same data gives
 * the same bytes, so every node computes the same ETag.
 *   RSS 2.0        https://www.rssboard.org/rss-specification (+ content:encoded, atom:link rel=self)
 *   Atom           RFC 4287
 *   JSON Feed 1.1  https://www.jsonfeed.org/version/1.1/
 */
import type { Lang } from '../../platform/views/i18n/index.ts';
import { FEED_TYPES, type FeedFormat } from './urls.ts';
import { rfc822, rfc3339, xmlEscape, xmlSafe } from './xml.ts';

export interface FeedEntry {
  /** Stable, never reused: a tag: URI (RFC 4151) made from the post's id. */
  id: string;
  url: string;
  title: string;
  summary: string;
  /** Sanitised HTML with absolute URLs. */
  html: string;
  published: number;
  updated: number;
  tags: string[];
  lang: Lang;
}

export interface FeedDocument {
  title: string;
  description: string;
  /** The feed's language; undefined for a feed mixing both. */
  lang: Lang | undefined;
  /** The HTML page this feed follows (home or a tag page), absolute. */
  htmlUrl: string;
  /** This feed's own address, absolute. */
  selfUrl: string;
  /** The other formats of the same feed, absolute. */
  alternates: { format: FeedFormat; url: string }[];
  authorName: string;
  /** The newest change among the entries (or the generation time of an empty feed). */
  updated: number;
  entries: FeedEntry[];
}

const e = xmlEscape;

export function renderFeed(format: FeedFormat, doc: FeedDocument): string {
  if (format === 'rss') return renderRss(doc);
  if (format === 'atom') return renderAtom(doc);
  return renderJsonFeed(doc);
}

export function renderRss(doc: FeedDocument): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
    '<channel>',
    `<title>${e(doc.title)}</title>`,
    `<link>${e(doc.htmlUrl)}</link>`,
    `<description>${e(doc.description)}</description>`,
  ];
  if (doc.lang) out.push(`<language>${doc.lang}</language>`);
  out.push(
    `<lastBuildDate>${rfc822(doc.updated)}</lastBuildDate>`,
    `<atom:link href="${e(doc.selfUrl)}" rel="self" type="application/rss+xml"/>`,
    '<generator>Vigil</generator>',
    '<docs>https://www.rssboard.org/rss-specification</docs>',
  );
  for (const item of doc.entries) {
    out.push(
      '<item>',
      `<title>${e(item.title)}</title>`,
      `<link>${e(item.url)}</link>`,
      `<guid isPermaLink="false">${e(item.id)}</guid>`,
      `<pubDate>${rfc822(item.published)}</pubDate>`,
      `<description>${e(item.summary)}</description>`,
      `<content:encoded>${e(item.html)}</content:encoded>`,
    );
    for (const tag of item.tags) out.push(`<category>${e(tag)}</category>`);
    out.push('</item>');
  }
  out.push('</channel>', '</rss>', '');
  return out.join('\n');
}

export function renderAtom(doc: FeedDocument): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom"${doc.lang ? ` xml:lang="${doc.lang}"` : ''}>`,
    `<id>${e(doc.selfUrl)}</id>`,
    `<title type="text">${e(doc.title)}</title>`,
    `<subtitle type="text">${e(doc.description)}</subtitle>`,
    `<updated>${rfc3339(doc.updated)}</updated>`,
    `<link rel="self" type="application/atom+xml" href="${e(doc.selfUrl)}"/>`,
    `<link rel="alternate" type="text/html" href="${e(doc.htmlUrl)}"/>`,
  ];
  for (const alt of doc.alternates) {
    if (alt.format === 'atom') continue;
    const type = FEED_TYPES[alt.format].split(';')[0]!;
    out.push(`<link rel="alternate" type="${type}" href="${e(alt.url)}"/>`);
  }
  out.push(`<author><name>${e(doc.authorName)}</name></author>`, '<generator>Vigil</generator>');
  for (const entry of doc.entries) {
    out.push(
      `<entry xml:lang="${entry.lang}">`,
      `<id>${e(entry.id)}</id>`,
      `<title type="text">${e(entry.title)}</title>`,
      `<link rel="alternate" type="text/html" href="${e(entry.url)}"/>`,
      `<published>${rfc3339(entry.published)}</published>`,
      `<updated>${rfc3339(entry.updated)}</updated>`,
      `<summary type="text">${e(entry.summary)}</summary>`,
      `<content type="html">${e(entry.html)}</content>`,
    );
    for (const tag of entry.tags) out.push(`<category term="${e(tag)}"/>`);
    out.push('</entry>');
  }
  out.push('</feed>', '');
  return out.join('\n');
}

export function renderJsonFeed(doc: FeedDocument): string {
  const s = xmlSafe;
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: s(doc.title),
    home_page_url: doc.htmlUrl,
    feed_url: doc.selfUrl,
    description: s(doc.description),
    ...(doc.lang ? { language: doc.lang } : {}),
    authors: [{ name: s(doc.authorName) }],
    items: doc.entries.map((entry) => ({
      id: entry.id,
      url: entry.url,
      title: s(entry.title),
      ...(entry.summary ? { summary: s(entry.summary) } : {}),
      content_html: s(entry.html),
      date_published: rfc3339(entry.published),
      date_modified: rfc3339(entry.updated),
      ...(entry.tags.length ? { tags: entry.tags.map(s) } : {}),
      language: entry.lang,
    })),
  };
  return `${JSON.stringify(feed, null, 1)}\n`;
}
