/** The public subscription pages. Plain HTML forms: nothing here needs JavaScript. */
import { errorSummary, hiddenCsrf, textField } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { type Lang, messages } from '../../platform/views/i18n/index.ts';
import { feedMessages } from '../feeds/messages.ts';
import { FEED_EXTENSIONS, type FeedFormat, feedPath } from '../feeds/urls.ts';
import { subMessages } from './messages.ts';

export interface SubscribeForm {
  email: string;
  lang: Lang;
}

export function feedList(lang: Lang): SafeHtml {
  const fm = feedMessages(lang);
  const titles: Record<FeedFormat, string> = { rss: fm.rss, atom: fm.atom, json: fm.json };
  return html`<ul class="feed-links">${(Object.keys(FEED_EXTENSIONS) as FeedFormat[]).map(
    (f) => html`<li><a href="${feedPath(f, lang)}" hreflang="${lang}">${titles[f]}</a></li>`,
  )}</ul>`;
}

export function subscribePage(
  lang: Lang,
  csrf: string,
  values: SubscribeForm,
  errors: Record<string, string>,
): SafeHtml {
  const m = subMessages(lang);
  const t = messages(lang);
  const radio = (value: Lang, label: string) =>
    html`<label class="choice"><input type="radio" name="lang" value="${value}"${values.lang === value ? html` checked` : ''}> <span lang="${value}">${label}</span></label>`;
  return html`<h1>${m.title}</h1>
<p class="lead">${m.intro}</p>
${errorSummary(t, errors, { email: m.email, lang: m.language })}
<form method="post" action="/subscribe" class="stack" novalidate>
${hiddenCsrf(csrf)}
${textField({
  name: 'email',
  label: m.email,
  hint: m.emailHint,
  type: 'email',
  autocomplete: 'email',
  required: true,
  maxLength: 254,
  value: values.email,
  error: errors.email,
})}
<fieldset class="field"><legend>${m.language}</legend>
${radio('zh-CN', m.langZh)}
${radio('en', m.langEn)}
</fieldset>
<div class="actions"><button type="submit">${m.submit}</button></div>
</form>
<p>${m.feedsInstead}</p>
${feedList(lang)}`;
}

export function notOfferedPage(lang: Lang): SafeHtml {
  const m = subMessages(lang);
  return html`<h1>${m.title}</h1><p>${m.notOffered}</p><p>${m.feedsInstead}</p>${feedList(lang)}`;
}

export function messagePage(title: string, text: string, extra?: SafeHtml): SafeHtml {
  return html`<h1>${title}</h1><p>${text}</p>${extra ?? ''}`;
}

/** A page with one button that POSTs back to the same address (confirm, unsubscribe). */
export function buttonPage(
  title: string,
  text: string,
  action: string,
  button: string,
  csrf: string | undefined,
): SafeHtml {
  return html`<h1>${title}</h1>
<p>${text}</p>
<form method="post" action="${action}" class="stack">
${csrf ? hiddenCsrf(csrf) : ''}
<div class="actions"><button type="submit">${button}</button></div>
</form>`;
}
