/**
 * Pages of staff intake: the choice of questionnaire (grouped by channel, with the reason a channel
 * cannot be used), the one-page form with every question, and the result with the receipt code.
 * Views get plain data; html`` escapes everything.
 */
import { errorSummary, type FieldErrors, hiddenCsrf, textField } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill, type Lang, type Messages } from '../../platform/views/i18n/index.ts';
import {
  allQuestions,
  fieldName,
  maxLengthOf,
  type Question,
  type QuestionnaireDefinition,
} from './questionnaire.ts';
import { formatReceiptCode } from './receipt.ts';
import type { StaffIntakeMessages } from './staff-intake.messages.ts';

export const STAFF_SOURCES = ['phone', 'letter', 'walk-in', 'referral', 'messaging'] as const;
export type StaffSource = (typeof STAFF_SOURCES)[number];
export const IDENTITY_MODES = ['anonymous', 'confidential', 'named'] as const;

/** UTC offsets offered for the time received, in minutes east of UTC. */
export const ZONES: readonly number[] = [
  -720, -660, -600, -540, -480, -420, -360, -300, -240, -210, -180, -120, -60, 0, 60, 120, 180, 210, 240, 270,
  300, 330, 345, 360, 390, 420, 480, 540, 570, 600, 630, 660, 720, 765, 780, 840,
];

export function zoneLabel(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export interface ChannelGroup {
  channelId: string;
  name: string;
  /** Open to the public (otherwise staff only). */
  open: boolean;
  /** Why nothing can be recorded here; undefined when it can. */
  unavailable: 'no-recipients' | 'no-keys' | undefined;
  questionnaires: { id: string; title: string; retired: boolean }[];
}

export function chooseView(m: StaffIntakeMessages, groups: ChannelGroup[]): SafeHtml {
  return html`<h1>${m.title}</h1>
<p class="lead">${m.intro}</p>
<h2>${m.choose}</h2>
${groups.length === 0 ? html`<p>${m.none}</p>` : ''}
${groups.map(
  (g) => html`<section aria-labelledby="ch-${g.channelId}">
<h3 id="ch-${g.channelId}">${g.name}</h3>
${g.open ? '' : html`<p class="hint">${m.staffOnly}</p>`}
${
  g.unavailable
    ? html`<p class="notice">${g.unavailable === 'no-recipients' ? m.noRecipients : m.noKeys}</p>
<ul>${g.questionnaires.map((q) => html`<li>${q.title}${q.retired ? html` (${m.retired})` : ''}</li>`)}</ul>`
    : html`<ul>${g.questionnaires.map(
        (q) =>
          html`<li><a href="/admin/intake/${q.id}">${fill(m.use, { title: q.title })}</a>${q.retired ? html` (${m.retired})` : ''}</li>`,
      )}</ul>`
}
</section>`,
)}`;
}

export interface FormViewModel {
  t: Messages;
  m: StaffIntakeMessages;
  lang: Lang;
  csrf: string;
  questionnaireId: string;
  definition: QuestionnaireDefinition;
  channelName: string;
  /** What was typed (or the defaults), by field name. */
  values: Record<string, string | string[]>;
  errors: FieldErrors;
  /** Messages above the form (file problems, truncation). */
  notices: string[];
  maxFiles: number;
  maxFileMb: number;
}

const one = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));
const many = (v: string | string[] | undefined): string[] => (Array.isArray(v) ? v : v ? [v] : []);

function described(id: string, hint: boolean, error: boolean): SafeHtml {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`${ids ? html` aria-describedby="${ids}"` : ''}${error ? html` aria-invalid="true"` : ''}`;
}

function helpOf(v: FormViewModel, q: Question): string {
  const parts: string[] = [];
  if (q.help?.[v.lang]) parts.push(q.help[v.lang]);
  if (q.showIf) {
    const target = allQuestions(v.definition).find((x) => x.id === q.showIf?.question);
    const label = (value: string) =>
      target?.type === 'yes-no'
        ? value === 'yes'
          ? v.m.yes
          : v.m.no
        : (target?.options?.find((o) => o.value === value)?.label[v.lang] ?? value);
    parts.push(
      fill(v.m.onlyIf, {
        question: target?.label[v.lang] ?? q.showIf.question,
        values: q.showIf.equals.map(label).join(v.lang === 'en' ? ', ' : '、'),
      }),
    );
  }
  if (q.type === 'file') parts.push(v.m.fileQuestion);
  return parts.join(' ');
}

/** One question as form controls: the same field names the web form uses (questionnaire.ts). */
function questionField(v: FormViewModel, q: Question): SafeHtml {
  const name = fieldName(q);
  const id = `f-${name}`;
  const label = html`${q.label[v.lang]}${q.required && q.type !== 'file' ? ' *' : ''}`;
  const help = helpOf(v, q);
  const error = v.errors[name];
  const hintHtml = help ? html`<p class="hint" id="${id}-hint">${help}</p>` : '';
  const errorHtml = error ? html`<p class="field-error" id="${id}-error">${error}</p>` : '';
  const aria = described(id, help !== '', error !== undefined);
  const value = one(v.values[name]);
  const choices = (options: { value: string; label: string }[], multiple: boolean) => {
    const chosen = many(v.values[name]);
    return html`<fieldset id="${id}"${aria}><legend>${label}</legend>${hintHtml}${errorHtml}
<div class="checks">${options.map(
      (o) =>
        html`<label><input type="${multiple ? 'checkbox' : 'radio'}" name="${name}" value="${o.value}"${chosen.includes(o.value) ? html` checked` : ''}> ${o.label}</label>`,
    )}</div></fieldset>`;
  };
  switch (q.type) {
    case 'long-text':
      return html`<div class="field"><label for="${id}">${label}</label>${hintHtml}${errorHtml}
<textarea id="${id}" name="${name}" rows="6" maxlength="${maxLengthOf(q)}"${aria}>${value}</textarea></div>`;
    case 'single-choice':
      return choices(
        [
          { value: '', label: v.m.notAnswered },
          ...(q.options ?? []).map((o) => ({ value: o.value, label: o.label[v.lang] })),
        ],
        false,
      );
    case 'multiple-choice':
      return choices(
        (q.options ?? []).map((o) => ({ value: o.value, label: o.label[v.lang] })),
        true,
      );
    case 'yes-no':
      return choices(
        [
          { value: '', label: v.m.notAnswered },
          { value: 'yes', label: v.m.yes },
          { value: 'no', label: v.m.no },
        ],
        false,
      );
    case 'date-range': {
      const from = fieldName(q, 'from');
      const to = fieldName(q, 'to');
      return html`<fieldset id="${id}"${aria}><legend>${label}</legend>${hintHtml}${errorHtml}
<div class="field"><label for="f-${from}">${v.m.from}</label><input id="f-${from}" name="${from}" type="date" value="${one(v.values[from])}"></div>
<div class="field"><label for="f-${to}">${v.m.to}</label><input id="f-${to}" name="${to}" type="date" value="${one(v.values[to])}"></div>
</fieldset>`;
    }
    case 'file':
      return html`<div class="field"><p><strong>${label}</strong></p>${hintHtml}</div>`;
    default:
      return html`<div class="field"><label for="${id}">${label}</label>${hintHtml}${errorHtml}
<input id="${id}" name="${name}" type="${q.type === 'date' ? 'date' : 'text'}" value="${value}"${q.type === 'date' ? '' : html` maxlength="${maxLengthOf(q)}"`}${aria}></div>`;
  }
}

function radios(name: string, legend: string, options: [string, string][], chosen: string, error?: string) {
  const id = `f-${name}`;
  return html`<fieldset id="${id}"${error ? html` aria-describedby="${id}-error"` : ''}><legend>${legend}</legend>
${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}
<div class="checks">${options.map(
    ([value, label]) =>
      html`<label><input type="radio" name="${name}" value="${value}"${chosen === value ? html` checked` : ''}> ${label}</label>`,
  )}</div></fieldset>`;
}

/** Labels of the form's fields, for the error summary. */
export function fieldLabels(v: Pick<FormViewModel, 'm' | 'lang' | 'definition'>): Record<string, string> {
  const labels: Record<string, string> = {
    source: v.m.source,
    received: v.m.receivedLegend,
    identityMode: v.m.identityMode,
    name: v.m.name,
    contact: v.m.contact,
  };
  for (const q of allQuestions(v.definition)) labels[fieldName(q)] = q.label[v.lang];
  return labels;
}

export function formView(v: FormViewModel): SafeHtml {
  const m = v.m;
  const title = fill(m.formTitle, { title: v.definition.title[v.lang] });
  const zone = one(v.values.zone);
  const receivedError = v.errors.received;
  const withFiles = v.maxFiles > 0;
  return html`<p class="breadcrumbs"><a href="/admin/intake">${m.title}</a></p>
<h1>${title}</h1>
<p>${m.channel}: ${v.channelName}</p>
${v.notices.map((n) => html`<p class="flash flash-error" role="alert">${n}</p>`)}
${errorSummary(v.t, v.errors, fieldLabels(v))}
<form method="post" action="/admin/intake/${v.questionnaireId}" class="stack"${withFiles ? html` enctype="multipart/form-data"` : ''} novalidate>
${hiddenCsrf(v.csrf)}
<input type="hidden" name="submission" value="${one(v.values.submission)}">
<h2>${m.sectionHow}</h2>
${radios(
  'source',
  m.source,
  STAFF_SOURCES.map((s) => [s, m.sources[s] ?? s]),
  one(v.values.source),
  v.errors.source,
)}
<fieldset id="f-received"${receivedError ? html` aria-describedby="f-received-hint f-received-error"` : html` aria-describedby="f-received-hint"`}><legend>${m.receivedLegend}</legend>
<p class="hint" id="f-received-hint">${m.receivedHint}</p>
${receivedError ? html`<p class="field-error" id="f-received-error">${receivedError}</p>` : ''}
<div class="field"><label for="f-receivedDate">${m.receivedDate}</label><input id="f-receivedDate" name="receivedDate" type="date" value="${one(v.values.receivedDate)}" required></div>
<div class="field"><label for="f-receivedTime">${m.receivedTime}</label><input id="f-receivedTime" name="receivedTime" type="time" value="${one(v.values.receivedTime)}" required></div>
<div class="field"><label for="f-zone">${m.zone}</label><select id="f-zone" name="zone">${ZONES.map(
    (z) =>
      html`<option value="${String(z)}"${String(z) === zone ? html` selected` : ''}>${zoneLabel(z)}</option>`,
  )}</select></div>
</fieldset>
<h2>${m.sectionAnswers}</h2>
${v.definition.steps.map(
  (step) => html`<h3>${step.title[v.lang]}</h3>
${step.help?.[v.lang] ? html`<p class="hint">${step.help[v.lang]}</p>` : ''}
${step.questions.map((q) => questionField(v, q))}`,
)}
<h2>${m.sectionIdentity}</h2>
${radios(
  'identityMode',
  m.identityMode,
  IDENTITY_MODES.map((mode) => [mode, m.modes[mode] ?? mode]),
  one(v.values.identityMode),
  v.errors.identityMode,
)}
${textField({ name: 'name', label: m.name, value: one(v.values.name), error: v.errors.name, maxLength: 200 })}
${textField({ name: 'contact', label: m.contact, value: one(v.values.contact), error: v.errors.contact, hint: m.contactHint, maxLength: 500 })}
${
  withFiles
    ? html`<h2>${m.sectionFiles}</h2>
<div class="field"><label for="f-files">${m.sectionFiles}</label>
<p class="hint" id="f-files-hint">${fill(m.filesHint, { count: v.maxFiles, size: v.maxFileMb })}</p>
<input id="f-files" name="files" type="file" multiple aria-describedby="f-files-hint"></div>`
    : ''
}
<div class="field"><label><input type="checkbox" name="withReceipt" value="yes" aria-describedby="f-withReceipt-hint"${one(v.values.withReceipt) === 'yes' ? html` checked` : ''}> ${m.receipt}</label>
<p class="hint" id="f-withReceipt-hint">${m.receiptHint}</p></div>
<div class="actions"><button type="submit">${m.submit}</button></div>
</form>`;
}

export interface DoneViewModel {
  m: StaffIntakeMessages;
  reference: string;
  receiptCode: string | undefined;
  registered: string;
  received: string;
  repeated: boolean;
  followUpUrl: string;
  /** What was said about each file (what was removed from it, or why it was not kept). */
  fileNotes: string[];
}

export function doneView(v: DoneViewModel): SafeHtml {
  const m = v.m;
  return html`<h1>${m.doneTitle}</h1>
${v.repeated ? html`<p class="flash flash-info">${m.repeated}</p>` : ''}
<dl>
<dt>${m.reference}</dt><dd><strong class="mono" data-testid="reference">${v.reference}</strong><br><span class="hint">${m.referenceHint}</span></dd>
<dt>${m.registered}</dt><dd>${v.registered}</dd>
<dt>${m.received}</dt><dd>${v.received}</dd>
</dl>
${v.fileNotes.length > 0 ? html`<ul>${v.fileNotes.map((n) => html`<li>${n}</li>`)}</ul>` : ''}
${
  v.receiptCode
    ? html`<section aria-labelledby="receipt-title" class="notice">
<h2 id="receipt-title">${m.receiptTitle}</h2>
<p class="secret-link"><strong class="mono" data-testid="receipt-code">${formatReceiptCode(v.receiptCode)}</strong></p>
<ul>${m.receiptAdvice.map((a) => html`<li>${a}</li>`)}</ul>
<p>${fill(m.followUpAt, { url: v.followUpUrl })}</p>
</section>`
    : html`<p class="notice">${m.noReceipt}</p>`
}
<p><a class="button" href="/admin/intake">${m.another}</a></p>`;
}
