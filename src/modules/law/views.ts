/** Pages of the law explainer: plain data in, HTML out. */
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill, type Lang, messages } from '../../platform/views/i18n/index.ts';
import { layout } from '../../platform/views/layout.ts';
import { paragraphs } from './forms.ts';
import { lawMessages, ordinal } from './messages.ts';
import { articleHeading, articleUrl, type LawArticle, type LawEntry } from './service.ts';

export interface PublicChrome {
  lang: Lang;
  siteName: string;
  path: string;
}

function page(c: PublicChrome, title: string, main: SafeHtml): string {
  return layout({ lang: c.lang, t: messages(c.lang), title, path: c.path, siteName: c.siteName }, main);
}

export function topicName(lang: Lang, topic: string): string {
  return lawMessages(lang).topicNames[topic] ?? topic;
}

function chapterLabel(lang: Lang, a: LawArticle): string {
  const m = lawMessages(lang);
  return a.chapterTitle[lang]
    ? fill(m.chapterAndTitle, { n: ordinal(lang, a.chapterNo), title: a.chapterTitle[lang] })
    : fill(m.chapter, { n: ordinal(lang, a.chapterNo) });
}

/** Articles grouped by chapter, in reading order. */
function chapters(articles: LawArticle[]): LawArticle[][] {
  const out: LawArticle[][] = [];
  for (const a of articles) {
    const last = out[out.length - 1];
    if (last && last[0]!.chapterNo === a.chapterNo) last.push(a);
    else out.push([a]);
  }
  return out;
}

export function lawIndexView(c: PublicChrome, laws: LawEntry[]): string {
  const m = lawMessages(c.lang);
  const main = html`<h1>${m.title}</h1>
<p class="lead">${m.intro}</p>
${
  laws.length === 0
    ? html`<p>${m.noLaws}</p>`
    : html`<ul class="law-list">${laws.map(
        (e) => html`<li><h2><a href="/law/${e.law.slug}">${e.law.title[c.lang]}</a></h2>
<p class="hint">${fill(m.articles, { count: e.articles.length })}</p>
${paragraphs(e.law.summary[c.lang])}</li>`,
      )}</ul>`
}`;
  return page(c, m.title, main);
}

export function lawView(c: PublicChrome, entry: LawEntry): string {
  const m = lawMessages(c.lang);
  const { law, articles } = entry;
  const topics = new Map<string, LawArticle[]>();
  for (const a of articles) for (const t of a.topics) topics.set(t, [...(topics.get(t) ?? []), a]);
  const main = html`<p class="breadcrumbs"><a href="/law">${m.allLaws}</a></p>
<h1>${law.title[c.lang]}</h1>
<aside class="notice" aria-label="${m.aboutText}">${paragraphs(law.summary[c.lang])}</aside>
<h2>${m.contents}</h2>
${chapters(articles).map(
  (group) => html`<section class="law-chapter">
<h3>${chapterLabel(c.lang, group[0]!)}</h3>
<ol class="law-articles">${group.map(
    (a) =>
      html`<li id="${a.slug}"><a href="${articleUrl(a)}">${articleHeading(c.lang, a)}</a>${
        a.topics.length
          ? html` <span class="hint">(${a.topics.map((t) => topicName(c.lang, t)).join(c.lang === 'zh-CN' ? '、' : ', ')})</span>`
          : ''
      }</li>`,
  )}</ol>
</section>`,
)}
${
  topics.size > 0
    ? html`<h2>${m.byTopic}</h2>
${[...topics].map(
  ([topic, list]) => html`<section class="law-topic" id="topic-${topic}">
<h3>${topicName(c.lang, topic)}</h3>
<ul>${list.map((a) => html`<li><a href="${articleUrl(a)}">${articleHeading(c.lang, a)}</a></li>`)}</ul>
</section>`,
)}`
    : ''
}`;
  return page(c, law.title[c.lang], main);
}

export function articleView(c: PublicChrome, entry: LawEntry, index: number): string {
  const m = lawMessages(c.lang);
  const a = entry.articles[index]!;
  const prev = entry.articles[index - 1];
  const next = entry.articles[index + 1];
  const lawTitle = entry.law.title[c.lang];
  const heading = articleHeading(c.lang, a);
  const main = html`<p class="breadcrumbs"><a href="/law">${m.allLaws}</a> › <a href="/law/${entry.law.slug}">${lawTitle}</a></p>
<article class="law-article">
<p class="hint">${lawTitle} · ${chapterLabel(c.lang, a)}</p>
<h1>${heading}</h1>
<section aria-labelledby="legal-text">
<h2 id="legal-text">${m.legalText}</h2>
<blockquote class="law-text">${paragraphs(a.text[c.lang])}</blockquote>
</section>
<section aria-labelledby="plain-note" class="plain-note">
<h2 id="plain-note">${m.plainNote}</h2>
${paragraphs(a.note[c.lang])}
</section>
${
  a.topics.length
    ? html`<p class="law-topics">${m.topics}${m.colon}${a.topics.map(
        (t) => html`<a class="tag" href="/law/${entry.law.slug}#topic-${t}">${topicName(c.lang, t)}</a>`,
      )}</p>`
    : ''
}
</article>
<aside class="notice" aria-label="${m.aboutText}">${paragraphs(entry.law.summary[c.lang])}</aside>
<nav class="pager" aria-label="${m.pager}">
${prev ? html`<a rel="prev" href="${articleUrl(prev)}">← ${m.previous}${m.colon}${articleHeading(c.lang, prev)}</a>` : html`<span></span>`}
${next ? html`<a rel="next" href="${articleUrl(next)}">${m.next}${m.colon}${articleHeading(c.lang, next)} →</a>` : html`<span></span>`}
</nav>
<p><a href="/law/${entry.law.slug}#${a.slug}">${fill(m.backToLaw, { title: lawTitle })}</a></p>`;
  return page(c, `${heading} · ${lawTitle}`, main);
}
