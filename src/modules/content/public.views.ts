/**
 * Public pages of posts: the post page (also used, unchanged, by the back-office preview), lists
 * (latest, by tag, by series) and the <head> tags that go with them (canonical, alternates, Open
 * Graph). Everything is escaped by `html`; only pub_html, which renderMarkdown produced, is raw.
 */
import { html, type SafeHtml, unsafeRaw } from '../../platform/views/html.ts';
import { fill, type Lang, type Messages, messages } from '../../platform/views/i18n/index.ts';
import { layout } from '../../platform/views/layout.ts';
import { coverImage, mediaMarkup, videoPlayer } from './media-markup.ts';
import { type ContentMessages, contentMessages } from './messages.ts';
import type { ListedPost, PostView } from './service.ts';

const dateFormats = new Map<Lang, Intl.DateTimeFormat>();

export function formatDate(lang: Lang, ms: number): string {
  let f = dateFormats.get(lang);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' });
    dateFormats.set(lang, f);
  }
  return f.format(ms);
}

export function reportHref(topic: string | null): string {
  return topic ? `/report?topic=${encodeURIComponent(topic)}` : '/report';
}

export function tagHref(tag: string): string {
  return `/tags/${encodeURIComponent(tag)}`;
}

export function seriesHref(series: string): string {
  return `/series/${encodeURIComponent(series)}`;
}

const OG_LOCALE: Record<Lang, string> = { en: 'en_GB', 'zh-CN': 'zh_CN' };

export interface PageContext {
  /** The reader's language (the page chrome). */
  lang: Lang;
  siteName: string;
  publicUrl: string;
}

/** The article itself: what the post page shows inside <main>. */
export function postArticle(v: PostView, uiLang: Lang): SafeHtml {
  const m = contentMessages(uiLang);
  const dates = v.publishedAt
    ? html`<p class="post-meta"><time datetime="${new Date(v.publishedAt).toISOString()}">${fill(m.public.published, { date: formatDate(uiLang, v.publishedAt) })}</time>${
        v.updatedAt && v.updatedAt - v.publishedAt > 60_000
          ? html` · <time datetime="${new Date(v.updatedAt).toISOString()}">${fill(m.public.updated, { date: formatDate(uiLang, v.updatedAt) })}</time>`
          : ''
      }${v.series ? html` · ${m.public.partOfSeries}: <a href="${seriesHref(v.series)}">${v.series}</a>` : ''}</p>`
    : '';
  return html`<article class="post" lang="${v.lang}">
<header class="post-header">
<h1>${v.title}</h1>
${v.summary ? html`<p class="lead">${v.summary}</p>` : ''}
${dates}
</header>
${v.cover ? html`<figure class="post-cover">${coverImage(v.cover, { lang: v.lang, loading: 'eager' })}</figure>` : ''}
${v.video ? html`<figure class="post-video">${videoPlayer(v.video, { lang: v.lang, labels: m.public.trackLabels, fallback: m.public.videoFallback })}</figure>` : ''}
<div class="post-body">
${unsafeRaw(v.html)}
</div>
${
  v.tags.length > 0
    ? html`<p class="post-tags"><span class="label">${m.public.tags}:</span> ${v.tags.map((tag) => html`<a class="tag" href="${tagHref(tag)}" rel="tag">${tag}</a> `)}</p>`
    : ''
}
<aside class="report-this" aria-label="${m.public.reportThis}">
<p>${m.public.reportHint}</p>
<p><a class="button" href="${reportHref(v.reportTopic)}">${m.public.reportThis}</a></p>
</aside>
${
  v.translations.length > 0
    ? html`<p class="translations">${m.public.alsoIn}: ${v.translations.map(
        (tr) =>
          html`<a href="${tr.path}" hreflang="${tr.lang}" lang="${tr.lang}">${m.langName[tr.lang]}: ${tr.title}</a> `,
      )}</p>`
    : ''
}
${
  v.seriesPosts.length > 0
    ? html`<nav class="series-nav" aria-label="${m.public.inThisSeries}"><h2>${m.public.inThisSeries}</h2><ol>${v.seriesPosts.map(
        (s) =>
          html`<li>${s.current ? html`<span aria-current="page">${s.title}</span>` : html`<a href="${s.path}">${s.title}</a>`}</li>`,
      )}</ol></nav>`
    : ''
}
</article>`;
}

function absolute(publicUrl: string, path: string): string {
  return `${publicUrl}${path}`;
}

/** The head tags of a post page: canonical, hreflang alternates and Open Graph. */
export function postHead(v: PostView, c: PageContext): SafeHtml {
  const url = absolute(c.publicUrl, v.path);
  const image = v.cover ? absolute(c.publicUrl, mediaMarkup().url(v.cover.id)) : undefined;
  return html`<link rel="canonical" href="${url}">
${
  v.translations.length > 0
    ? html`<link rel="alternate" hreflang="${v.lang}" href="${url}">
${v.translations.map((tr) => html`<link rel="alternate" hreflang="${tr.lang}" href="${absolute(c.publicUrl, tr.path)}">`)}`
    : ''
}
<meta name="description" content="${v.summary}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="${c.siteName}">
<meta property="og:title" content="${v.title}">
<meta property="og:description" content="${v.summary}">
<meta property="og:url" content="${url}">
<meta property="og:locale" content="${OG_LOCALE[v.lang]}">
${v.translations.map((tr) => html`<meta property="og:locale:alternate" content="${OG_LOCALE[tr.lang]}">`)}
${image ? html`<meta property="og:image" content="${image}">` : ''}
${v.publishedAt ? html`<meta property="article:published_time" content="${new Date(v.publishedAt).toISOString()}">` : ''}
${v.updatedAt ? html`<meta property="article:modified_time" content="${new Date(v.updatedAt).toISOString()}">` : ''}
${v.tags.map((tag) => html`<meta property="article:tag" content="${tag}">`)}`;
}

export function postPage(v: PostView, c: PageContext): string {
  const t = messages(c.lang);
  return layout(
    { lang: c.lang, t, title: v.title, path: v.path, siteName: c.siteName, head: postHead(v, c) },
    postArticle(v, c.lang),
  );
}

/** One post in a list: title, summary, date, tags and a small cover. */
export function postCard(p: ListedPost, uiLang: Lang, headingLevel: 2 | 3 = 2): SafeHtml {
  const title =
    headingLevel === 2
      ? html`<h2><a href="${p.path}">${p.title}</a></h2>`
      : html`<h3><a href="${p.path}">${p.title}</a></h3>`;
  return html`<article class="post-card" lang="${p.lang}">
${p.cover ? html`<a class="post-card-cover" href="${p.path}" tabindex="-1" aria-hidden="true">${coverImage(p.cover, { lang: p.lang, sizes: '(min-width: 40rem) 12rem, 100vw' })}</a>` : ''}
<div class="post-card-text">
${title}
${p.summary ? html`<p>${p.summary}</p>` : ''}
<p class="post-meta">${p.publishedAt ? html`<time datetime="${new Date(p.publishedAt).toISOString()}">${formatDate(uiLang, p.publishedAt)}</time>` : ''}${
    p.tags.length > 0
      ? html` · ${p.tags.map((tag) => html`<a class="tag" href="${tagHref(tag)}">${tag}</a> `)}`
      : ''
  }</p>
</div>
</article>`;
}

export interface ListPage {
  /** The path of the list without the page number. */
  basePath: string;
  title: string;
  intro?: string;
  items: ListedPost[];
  page: number;
  pages: number;
}

function pageUrl(basePath: string, page: number): string {
  return page <= 1 ? basePath : `${basePath}?page=${page}`;
}

export function listPage(v: ListPage, c: PageContext): string {
  const t: Messages = messages(c.lang);
  const m: ContentMessages = contentMessages(c.lang);
  const canonical = absolute(c.publicUrl, pageUrl(v.basePath, v.page));
  const title = v.page > 1 ? `${v.title} (${fill(m.public.pageN, { n: v.page })})` : v.title;
  const head = html`<link rel="canonical" href="${canonical}">
<meta property="og:type" content="website">
<meta property="og:site_name" content="${c.siteName}">
<meta property="og:title" content="${title}">
<meta property="og:url" content="${canonical}">`;
  const main = html`<h1>${v.title}</h1>
${v.intro ? html`<p class="lead">${v.intro}</p>` : ''}
${
  v.items.length === 0
    ? html`<p>${m.public.noPosts}</p>`
    : html`<ul class="post-list">${v.items.map((p) => html`<li>${postCard(p, c.lang)}</li>`)}</ul>`
}
${
  v.pages > 1
    ? html`<nav class="pager" aria-label="${m.public.pager}">${
        v.page > 1
          ? html`<a href="${pageUrl(v.basePath, v.page - 1)}" rel="prev">${m.public.newer}</a>`
          : html`<span></span>`
      }${v.page < v.pages ? html`<a href="${pageUrl(v.basePath, v.page + 1)}" rel="next">${m.public.older}</a>` : ''}</nav>`
    : ''
}`;
  return layout({ lang: c.lang, t, title, path: v.basePath, siteName: c.siteName, head }, main);
}
