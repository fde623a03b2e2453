/** The search page: the form (works without JavaScript), results with highlighted matches, pages. */
import type { SearchDocsTable } from '../../platform/db/schema.ts';
import { safeLocalPath } from '../../platform/http/request.ts';
import type { SearchHit } from '../../platform/search/index.ts';
import { MAX_QUERY_CHARS } from '../../platform/search/index.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill, type Lang } from '../../platform/views/i18n/index.ts';
import { searchMessages } from './messages.ts';

export type Kind = SearchDocsTable['kind'];
export const KINDS: readonly Kind[] = ['post', 'law', 'guide', 'page'];

export interface SearchForm {
  q: string;
  lang: Lang | '';
  kind: Kind | '';
}

export interface ResultPage {
  hits: SearchHit[];
  /** Highlight ranges for each hit's title. */
  titleHighlights: [number, number][][];
  page: number;
  pageSize: number;
  hasNext: boolean;
  /** The query had no searchable word at all (only punctuation, say). */
  noTerms: boolean;
}

/**
 * `text` with the given [start, end) ranges wrapped in <mark>. Every piece of text is escaped by
 * the html template; only the <mark> tags are ours. Ranges are clamped and must not overlap.
 */
export function marked(text: string, ranges: readonly (readonly [number, number])[]): SafeHtml {
  const parts: (string | SafeHtml)[] = [];
  let at = 0;
  for (const [s0, e0] of ranges) {
    const s = Math.max(at, Math.min(text.length, s0));
    const e = Math.max(s, Math.min(text.length, e0));
    if (e <= s) continue;
    if (s > at) parts.push(text.slice(at, s));
    parts.push(html`<mark>${text.slice(s, e)}</mark>`);
    at = e;
  }
  if (at < text.length) parts.push(text.slice(at));
  return html`${parts}`;
}

export function searchUrl(form: SearchForm, page = 1): string {
  const p = new URLSearchParams({ q: form.q });
  if (form.lang) p.set('lang', form.lang);
  if (form.kind) p.set('kind', form.kind);
  if (page > 1) p.set('page', String(page));
  return `/search?${p.toString()}`;
}

function formView(lang: Lang, form: SearchForm): SafeHtml {
  const m = searchMessages(lang);
  const option = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  return html`<form method="get" action="/search" role="search" class="stack search-form">
<div class="field">
<label for="f-q">${m.label}</label>
<p class="hint" id="f-q-hint">${m.hint}</p>
<input id="f-q" name="q" type="search" value="${form.q}" maxlength="${MAX_QUERY_CHARS}" aria-describedby="f-q-hint" enterkeyhint="search">
</div>
<div class="field">
<label for="f-lang">${m.langLabel}</label>
<select id="f-lang" name="lang">${option('', m.anyLang, form.lang === '')}${option('zh-CN', m.langs['zh-CN']!, form.lang === 'zh-CN')}${option('en', m.langs.en!, form.lang === 'en')}</select>
</div>
<div class="field">
<label for="f-kind">${m.kindLabel}</label>
<select id="f-kind" name="kind">${option('', m.anyKind, form.kind === '')}${KINDS.map((k) => option(k, m.kinds[k]!, form.kind === k))}</select>
</div>
<div><button type="submit">${m.submit}</button></div>
</form>`;
}

function resultsView(lang: Lang, form: SearchForm, r: ResultPage): SafeHtml {
  const m = searchMessages(lang);
  if (r.noTerms) return html`<p class="notice" role="status">${m.noTerms}</p>`;
  if (r.hits.length === 0) {
    return html`<div class="notice" role="status"><p>${fill(m.noResults, { q: form.q })}</p><p>${m.noResultsHelp}</p></div>`;
  }
  const from = (r.page - 1) * r.pageSize + 1;
  const to = from + r.hits.length - 1;
  const items = r.hits.map((hit, i) => {
    const href = safeLocalPath(hit.url, '/');
    return html`<li class="search-result">
<h3><a href="${href}" hreflang="${hit.lang}" lang="${hit.lang}">${marked(hit.title, r.titleHighlights[i] ?? [])}</a></h3>
<p class="hint">${m.kindOne[hit.kind] ?? hit.kind} · ${m.langs[hit.lang] ?? hit.lang}</p>
<p class="snippet" lang="${hit.lang}">${marked(hit.snippet, hit.highlights)}</p>
</li>`;
  });
  const prev = r.page > 1 ? html`<a rel="prev" href="${searchUrl(form, r.page - 1)}">${m.previous}</a>` : '';
  const next = r.hasNext ? html`<a rel="next" href="${searchUrl(form, r.page + 1)}">${m.next}</a>` : '';
  return html`<section aria-labelledby="results-heading">
<h2 id="results-heading">${fill(m.shown, { from, to })}</h2>
<ol class="search-results" start="${from}">${items}</ol>
${prev || next ? html`<nav class="pagination" aria-label="${m.pagination}"><p>${prev} ${next}</p></nav>` : ''}
</section>`;
}

/** The whole <main> of /search: the form, then (when there was a query) the results. */
export function searchView(
  lang: Lang,
  form: SearchForm,
  results: ResultPage | undefined,
  problem?: SafeHtml,
): SafeHtml {
  const m = searchMessages(lang);
  return html`<h1>${m.title}</h1>
${problem ?? ''}
${results || problem ? '' : html`<p class="lead">${m.intro}</p>`}
${formView(lang, form)}
${results ? resultsView(lang, form, results) : ''}
<p class="hint">${m.privacy}</p>`;
}

export function badRequestBox(lang: Lang): SafeHtml {
  const m = searchMessages(lang);
  return html`<div class="error-summary" role="alert"><h2>${m.badRequest}</h2><p>${fill(m.badRequestText, { max: MAX_QUERY_CHARS })}</p></div>`;
}
