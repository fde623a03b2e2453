/** Views of the admin pages for questionnaires: the list, the form and the read-only preview. */
import { errorSummary, type FieldErrors, hiddenCsrf, textField } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill, type Lang, type Messages } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import { formatTime } from '../accounts/staff.views.ts';
import { textArea } from '../law/forms.ts';
import { DEFINITION_MAX, type QuestionnaireValues } from './admin.forms.ts';
import type { AdminMessages } from './admin.messages.ts';
import { radios, select } from './admin.views.ts';
import type { VersionRow } from './channels.repository.ts';
import {
  allQuestions,
  type LocalText,
  maxLengthOf,
  type Question,
  type QuestionnaireDefinition,
} from './questionnaire.ts';
import { KINDS, type QuestionnaireSummary } from './questionnaires.service.ts';

type ChannelNames = Map<string, LocalText>;

function both(t: LocalText | undefined): SafeHtml {
  if (!t || (!t.en && !t['zh-CN'])) return html``;
  return html`<span lang="zh-CN">${t['zh-CN']}</span> / <span lang="en">${t.en}</span>`;
}

export function questionnaireListView(
  m: AdminMessages,
  lang: Lang,
  v: { questionnaires: QuestionnaireSummary[]; channels: ChannelNames; uncovered: string[]; flash?: Flash },
): SafeHtml {
  return html`<p class="breadcrumbs"><a href="/admin/channels">${m.channelsTitle}</a></p>
<h1>${m.questionnairesTitle}</h1>
${flashBox(v.flash)}
<p>${m.questionnairesIntro}</p>
${
  v.uncovered.length > 0
    ? html`<div class="notice" data-testid="uncovered-topics"><p>${m.uncovered}</p><p>${v.uncovered.map((t) => html`<span class="tag mono">${t}</span>`)}</p></div>`
    : ''
}
<p><a class="button" href="/admin/questionnaires/new">${m.newQuestionnaire}</a></p>
${
  v.questionnaires.length === 0
    ? html`<p>${m.noQuestionnaires}</p>`
    : html`<div class="table-wrap"><table class="responsive">
<thead><tr><th scope="col">${m.title}</th><th scope="col">${m.channel}</th><th scope="col">${m.kind}</th><th scope="col">${m.topics}</th><th scope="col">${m.version}</th><th scope="col">${m.status}</th></tr></thead>
<tbody>${v.questionnaires.map(
        (q) => html`<tr data-questionnaire="${q.id}">
<td data-label="${m.title}"><a href="/admin/questionnaires/${q.id}">${q.title?.[lang] ?? m.unreadable}</a><br><span class="mono">${q.id}</span></td>
<td data-label="${m.channel}"><a href="/admin/channels/${q.channelId}">${v.channels.get(q.channelId)?.[lang] ?? q.channelId}</a></td>
<td data-label="${m.kind}">${m.kinds[q.kind]}</td>
<td data-label="${m.topics}">${q.topics.length === 0 ? m.none : q.topics.map((t) => html`<span class="tag mono">${t}</span>`)}</td>
<td data-label="${m.version}">${q.version}</td>
<td data-label="${m.status}">${q.status === 'active' ? m.active : m.retired}</td>
</tr>`,
      )}</tbody></table></div>`
}`;
}

export function questionnaireLabels(m: AdminMessages): Record<string, string> {
  return {
    id: m.fieldQuestionnaireId,
    channelId: m.fieldChannel,
    kind: m.fieldKind,
    topics: m.fieldTopics,
    position: m.fieldPosition,
    status: m.fieldQStatus,
    definition: m.fieldDefinition,
  };
}

export function questionnaireFormView(
  t: Messages,
  m: AdminMessages,
  lang: Lang,
  v: {
    csrf: string;
    /** Undefined for a new questionnaire. */
    id?: string;
    title: string;
    values: QuestionnaireValues;
    errors: FieldErrors;
    /** Every problem of the definition, worded for the admin. */
    definitionErrors: string[];
    channels: ChannelNames;
    flash?: Flash;
  },
): SafeHtml {
  const e = v.errors;
  const action = v.id ? `/admin/questionnaires/${v.id}` : '/admin/questionnaires';
  return html`<p class="breadcrumbs"><a href="/admin/questionnaires">${m.questionnairesTitle}</a></p>
<h1>${v.title}</h1>
${flashBox(v.flash)}
${errorSummary(t, e, questionnaireLabels(m))}
${
  v.definitionErrors.length > 0
    ? html`<div class="error-summary" role="alert" data-testid="definition-errors"><h2>${fill(m.definitionProblems, { n: v.definitionErrors.length })}</h2><ul>${v.definitionErrors.map((d) => html`<li><a href="#f-definition">${d}</a></li>`)}</ul></div>`
    : ''
}
<form method="post" action="${action}" class="stack editor" novalidate>
${hiddenCsrf(v.csrf)}
${v.id ? html`<input type="hidden" name="stamp" value="${v.values.stamp}">` : textField({ name: 'id', label: m.fieldQuestionnaireId, value: v.values.id, error: e.id, hint: m.idHint, required: true, maxLength: 40, autocomplete: 'off' })}
${select({ name: 'channelId', label: m.fieldChannel, value: v.values.channelId, prompt: m.chooseChannel, error: e.channelId, choices: [...v.channels].map(([id, name]) => ({ value: id, label: `${name[lang]} (${id})` })) })}
${radios({ name: 'kind', legend: m.fieldKind, value: v.values.kind, hint: m.kindHint, error: e.kind, choices: KINDS.map((k) => ({ value: k, label: m.kinds[k]! })) })}
${textField({ name: 'topics', label: m.fieldTopics, value: v.values.topics, error: e.topics, hint: m.topicsHint, maxLength: 1000, autocomplete: 'off' })}
${textField({ name: 'position', label: m.fieldPosition, value: v.values.position, error: e.position, hint: m.positionHint, inputMode: 'numeric', required: true, maxLength: 9 })}
${radios({
  name: 'status',
  legend: m.fieldQStatus,
  value: v.values.status,
  hint: m.qStatusHint,
  error: e.status,
  choices: [
    { value: 'active', label: m.active },
    { value: 'retired', label: m.retired },
  ],
})}
${textArea({ name: 'definition', label: m.fieldDefinition, value: v.values.definition, error: e.definition, hint: m.definitionHint, rows: 30, maxLength: DEFINITION_MAX, required: true })}
<div class="actions"><button type="submit">${v.id ? m.save : m.create}</button><a href="${v.id ? `/admin/questionnaires/${v.id}` : '/admin/questionnaires'}">${m.cancel}</a></div>
</form>`;
}

function answerLabel(q: Question, value: string, lang: Lang, m: AdminMessages): string {
  if (q.type === 'yes-no') return value === 'yes' ? m.yes : value === 'no' ? m.no : value;
  return q.options?.find((o) => o.value === value)?.label[lang] ?? value;
}

function questionView(def: QuestionnaireDefinition, q: Question, lang: Lang, m: AdminMessages): SafeHtml {
  const target = q.showIf ? allQuestions(def).find((x) => x.id === q.showIf?.question) : undefined;
  const limit = q.type === 'short-text' || q.type === 'long-text' || q.type === 'location';
  return html`<li data-question="${q.id}"><p><strong>${both(q.label)}</strong></p>
<p><span class="tag">${m.questionTypes[q.type]}</span> <span class="tag">${q.required ? m.required : m.optional}</span> <span class="tag mono">${q.id}</span>${limit ? html` <span class="tag">${fill(m.maxLength, { n: maxLengthOf(q) })}</span>` : ''}</p>
${q.help && (q.help.en || q.help['zh-CN']) ? html`<p class="hint">${m.help}${m.colon}${both(q.help)}</p>` : ''}
${
  q.showIf && target
    ? html`<p class="hint" data-testid="show-if">${fill(m.showIf, { question: target.label[lang], values: q.showIf.equals.map((v) => answerLabel(target, v, lang, m)).join(lang === 'en' ? ', ' : '、') })}</p>`
    : ''
}
${q.options ? html`<p>${m.options}${m.colon}</p><ul>${q.options.map((o) => html`<li>${both(o.label)} <span class="mono">${o.value}</span></li>`)}</ul>` : ''}
</li>`;
}

/** The definition as reporters would meet it, step by step, in both languages (read-only). */
export function definitionPreview(def: QuestionnaireDefinition, lang: Lang, m: AdminMessages): SafeHtml {
  return html`<div class="questionnaire-preview" data-testid="preview">
<h2>${both(def.title)}</h2>
${def.intro ? html`<p>${both(def.intro)}</p>` : ''}
${def.steps.map(
  (s, i) => html`<section data-step="${s.id}"><h3>${fill(m.step, { n: i + 1 })}${m.colon}${both(s.title)}</h3>
${s.help && (s.help.en || s.help['zh-CN']) ? html`<p class="hint">${both(s.help)}</p>` : ''}
<ol>${s.questions.map((q) => questionView(def, q, lang, m))}</ol></section>`,
)}
</div>`;
}

export function questionnairePageView(
  m: AdminMessages,
  lang: Lang,
  v: {
    summary: QuestionnaireSummary;
    channelName: LocalText | undefined;
    shown: number;
    definition: QuestionnaireDefinition | undefined;
    versions: VersionRow[];
    flash?: Flash;
  },
): SafeHtml {
  const q = v.summary;
  const base = `/admin/questionnaires/${q.id}`;
  const old = v.shown !== q.version;
  return html`<p class="breadcrumbs"><a href="/admin/questionnaires">${m.questionnairesTitle}</a></p>
<h1>${v.definition?.title[lang] ?? q.id} <span class="tag">${fill(m.versionN, { n: v.shown })}</span></h1>
${flashBox(v.flash)}
${old ? html`<div class="notice" data-testid="old-version"><p>${fill(m.viewingOld, { n: v.shown, current: q.version })}</p><p><a href="${base}">${m.viewCurrent}</a></p></div>` : ''}
<dl class="facts">
<dt>${m.fieldQuestionnaireId}</dt><dd class="mono">${q.id}</dd>
<dt>${m.channel}</dt><dd><a href="/admin/channels/${q.channelId}">${v.channelName?.[lang] ?? q.channelId}</a></dd>
<dt>${m.kind}</dt><dd>${m.kinds[q.kind]}</dd>
<dt>${m.topics}</dt><dd>${q.topics.length === 0 ? m.none : q.topics.map((t) => html`<span class="tag mono">${t}</span>`)}</dd>
<dt>${m.status}</dt><dd>${q.status === 'active' ? m.active : m.retired}</dd>
</dl>
<p><a class="button" href="${base}/edit">${m.editThis}</a></p>
${v.definition ? definitionPreview(v.definition, lang, m) : html`<p>${m.unreadable}</p>`}
<section aria-labelledby="history-h"><h2 id="history-h">${m.history}</h2>
<ol class="plain" data-testid="history">${v.versions.map(
    (r) =>
      html`<li>${r.version === v.shown ? html`<strong>${fill(m.versionN, { n: r.version })}</strong>` : html`<a href="${base}/versions/${r.version}">${fill(m.versionN, { n: r.version })}</a>`}${r.version === q.version ? html` <span class="tag">${m.current}</span>` : ''} — ${fill(m.savedAt, { date: formatTime(lang, r.createdAt, '') })}${r.createdBy ? html` ${fill(m.savedBy, { who: r.createdBy })}` : ''}</li>`,
  )}</ol></section>`;
}
