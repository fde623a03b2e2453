/** Public pages of the guides: plain data in, HTML out. */
import { html } from '../../platform/views/html.ts';
import { fill, type Lang, messages } from '../../platform/views/i18n/index.ts';
import { layout } from '../../platform/views/layout.ts';
import { paragraphs } from '../law/forms.ts';
import { guideMessages } from './messages.ts';
import { AUDIENCES, type Guide, guideUrl, reportUrl } from './service.ts';

export interface PublicChrome {
  lang: Lang;
  siteName: string;
  path: string;
}

export function audienceName(lang: Lang, audience: string): string {
  return guideMessages(lang).audiences[audience] ?? audience;
}

export function guidesIndexView(c: PublicChrome, guides: Guide[]): string {
  const m = guideMessages(c.lang);
  const groups = AUDIENCES.map((a) => [a, guides.filter((g) => g.audience === a)] as const).filter(
    ([, list]) => list.length > 0,
  );
  const main = html`<h1>${m.title}</h1>
<p class="lead">${m.intro}</p>
${groups.length === 0 ? html`<p>${m.noGuides}</p>` : ''}
${groups.map(
  ([audience, list]) => html`<section class="guide-audience" id="${audience}">
<h2>${audienceName(c.lang, audience)}</h2>
<ul class="cards">${list.map(
    (g) =>
      html`<li><h3><a href="${guideUrl(g)}">${g.title[c.lang]}</a></h3><p>${g.intro[c.lang].split('\n')[0]}</p></li>`,
  )}</ul>
</section>`,
)}`;
  return layout(
    { lang: c.lang, t: messages(c.lang), title: m.title, path: c.path, siteName: c.siteName },
    main,
  );
}

export function guideView(c: PublicChrome, guide: Guide, all: Guide[]): string {
  const m = guideMessages(c.lang);
  const others = all.filter((g) => g.slug !== guide.slug);
  const main = html`<p class="breadcrumbs"><a href="/guides">${m.allGuides}</a></p>
<article class="guide">
<p class="hint">${fill(m.forAudience, { audience: audienceName(c.lang, guide.audience) })}</p>
<h1>${guide.title[c.lang]}</h1>
<div class="lead">${paragraphs(guide.intro[c.lang])}</div>
<section aria-labelledby="red-flags" class="red-flags">
<h2 id="red-flags">${m.redFlags}</h2>
<ul>${guide.redFlags[c.lang].map((item) => html`<li>${item}</li>`)}</ul>
</section>
<section aria-labelledby="what-to-do" class="what-to-do">
<h2 id="what-to-do">${m.whatToDo}</h2>
<ol>${guide.whatToDo[c.lang].map((item) => html`<li>${item}</li>`)}</ol>
</section>
<aside class="notice report-cta" aria-labelledby="report-this">
<h2 id="report-this">${m.reportTitle}</h2>
<p>${m.reportText}</p>
<p><a class="button" href="${reportUrl(guide.reportTopic)}" data-report-topic="${guide.reportTopic}">${m.reportThis}</a></p>
</aside>
</article>
${
  others.length
    ? html`<nav aria-labelledby="other-guides"><h2 id="other-guides">${m.otherGuides}</h2><ul>${others.map(
        (g) =>
          html`<li><a href="${guideUrl(g)}">${g.title[c.lang]}</a> <span class="hint">(${audienceName(c.lang, g.audience)})</span></li>`,
      )}</ul></nav>`
    : ''
}`;
  return layout(
    { lang: c.lang, t: messages(c.lang), title: guide.title[c.lang], path: c.path, siteName: c.siteName },
    main,
  );
}
