/**
 * The pages of the web report form. Plain HTML forms that work without JavaScript: every question
 * is labelled, choices are fieldsets, help and errors are tied to their fields, and an error
 * summary at the top links to each field. Views get plain data and escape everything.
 */
import { assetUrl } from '../../platform/views/assets.ts';
import { hiddenCsrf } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill, type Lang, messages } from '../../platform/views/i18n/index.ts';
import type { DraftFile } from './drafts.ts';
import { removedText } from './followup.views.ts';
import {
  type Answers,
  type AnswerValue,
  allQuestions,
  displayValue,
  fieldName,
  isVisible,
  maxLengthOf,
  type Question,
  type QuestionnaireDefinition,
} from './questionnaire.ts';
import { formatSize, wizardMessages } from './wizard.messages.ts';

/** An error to list in the summary: the element it links to, the field's label, the message. */
export interface WizardError {
  anchor: string;
  label: string;
  message: string;
}

export interface FileLimits {
  maxFiles: number;
  maxFileBytes: number;
}

/** The id of a question's first control: error summaries link to it. */
export function anchorOf(q: Question, uploadIndex?: number): string {
  if (q.type === 'file') return `f-upload-${uploadIndex ?? 0}`;
  return q.type === 'date-range' ? `f-q-${q.id}-from` : `f-q-${q.id}`;
}

function errorSummary(lang: Lang, errors: WizardError[]): SafeHtml {
  if (errors.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1"><h2>${messages(lang).forms.fixErrors}</h2><ul>${errors.map(
    (e) =>
      e.anchor
        ? html`<li><a href="#${e.anchor}">${labelled(e.label, e.message)}</a></li>`
        : html`<li>${e.message}</li>`,
  )}</ul></div>`;
}

/** "Label: message", without doubling punctuation after a label that is a question. */
function labelled(label: string, message: string): string {
  if (!label) return message;
  if (/[?？:：]$/.test(label)) return `${label} ${message}`;
  return /[\u3400-\u9fff]$/.test(label) ? `${label}：${message}` : `${label}: ${message}`;
}

function stepCount(lang: Lang, n: number, total: number): SafeHtml {
  return html`<p class="step-count">${fill(wizardMessages(lang).stepOf, { n, total })}</p>`;
}

const describedBy = (ids: (string | false | undefined)[]) => {
  const list = ids.filter(Boolean).join(' ');
  return list ? html` aria-describedby="${list}"` : '';
};

// ---- The start page ----

export interface OfferedItem {
  id: string;
  title: string;
  intro: string;
}

export interface StartView {
  lang: Lang;
  csrf: string;
  offered: OfferedItem[];
  selected: string | undefined;
  error: string | undefined;
  inProgress: boolean;
  pendingReceipt: boolean;
}

export function startPage(v: StartView): SafeHtml {
  const m = wizardMessages(v.lang);
  const errors: WizardError[] = v.error ? [{ anchor: 'f-questionnaire', label: '', message: v.error }] : [];
  return html`<h1>${m.title}</h1>
<p class="lead">${m.lead}</p>
${v.pendingReceipt ? html`<div class="flash flash-info" role="status"><p>${m.pendingReceipt} <a href="/report/receipt">${m.showReceipt}</a></p></div>` : ''}
${v.inProgress ? html`<div class="flash flash-info" role="status"><p>${m.inProgress} <a href="/report/continue">${m.continueIt}</a></p><p class="hint">${m.startOverNote}</p></div>` : ''}
<p class="follow-up-link">${m.followUpLead} <a href="/report/follow-up">${m.followUpLink}</a></p>
<section class="notice report-safety" aria-labelledby="report-safety">
<h2 id="report-safety">${m.safetyHeading}</h2>
<ul class="report-safety-list"><li>${m.noTracking}</li><li>${m.falseReports}</li><li>${m.howLong}</li><li>${m.noScript}</li></ul>
</section>
${errorSummary(v.lang, errors)}
<form method="post" action="/report/start" class="stack report-form" novalidate>
${hiddenCsrf(v.csrf)}
<fieldset class="field question"${describedBy(['choose-hint', v.error && 'choose-error'])}>
<legend class="legend-large">${m.chooseLegend}</legend>
<p class="hint" id="choose-hint">${m.chooseHint}</p>
${v.error ? html`<p class="field-error" id="choose-error">${v.error}</p>` : ''}
<div class="choice-list">${v.offered.map((q, i) => {
    const id = i === 0 ? 'f-questionnaire' : `f-questionnaire-${i}`;
    return html`<div class="choice-item"><input type="radio" name="questionnaire" value="${q.id}" id="${id}"${v.selected === q.id ? html` checked` : ''}${q.intro ? html` aria-describedby="${id}-hint"` : ''}><label for="${id}">${q.title}</label>${q.intro ? html`<p class="hint" id="${id}-hint">${q.intro}</p>` : ''}</div>`;
  })}</div>
</fieldset>
<div class="actions"><button type="submit">${m.start}</button></div>
</form>`;
}

export function closedPage(lang: Lang): SafeHtml {
  const m = wizardMessages(lang);
  return html`<h1>${m.closedTitle}</h1>
<p class="lead">${m.closedText}</p>
<p class="notice">${m.closedUrgent}</p>
<p>${m.closedElse}</p>
<ul><li><a href="/guides">${m.closedGuides}</a></li><li><a href="/law">${m.closedLaw}</a></li></ul>
<p>${m.followUpLead} <a href="/report/follow-up">${m.followUpLink}</a></p>`;
}

// ---- One questionnaire step ----

export interface StepView {
  lang: Lang;
  csrf: string;
  def: QuestionnaireDefinition;
  index: number;
  answers: Answers;
  errors: WizardError[];
  /** Messages by anchor, shown beside their field. */
  fieldErrors: Record<string, string>;
  files: DraftFile[];
  limits: FileLimits;
  /** The date inputs' upper bound (YYYY-MM-DD). */
  today: string;
}

function optionalMark(lang: Lang, q: Question): SafeHtml | string {
  return q.required || q.type === 'file'
    ? ''
    : html`<span class="optional">${wizardMessages(lang).optional}</span>`;
}

/** "Answer this only if ..." for a question whose condition is on the same page (no script decides). */
function conditionHint(lang: Lang, def: QuestionnaireDefinition, q: Question): string | undefined {
  if (!q.showIf) return undefined;
  const m = wizardMessages(lang);
  const target = allQuestions(def).find((x) => x.id === q.showIf?.question);
  if (!target) return undefined;
  const answers = q.showIf.equals.map((v) => `“${displayValue(target, v, lang)}”`).join(m.or);
  return fill(m.showIf, { question: target.label[lang], answers });
}

function questionField(v: StepView, q: Question, uploadIndex: number, sameStepCondition: boolean): SafeHtml {
  const lang = v.lang;
  const m = wizardMessages(lang);
  const base = `f-q-${q.id}`;
  const anchor = anchorOf(q, uploadIndex);
  const help = q.help?.[lang] ? q.help[lang] : '';
  const condition = sameStepCondition ? conditionHint(lang, v.def, q) : undefined;
  const error = v.fieldErrors[anchor];
  const hints = html`${help ? html`<p class="hint" id="${base}-hint">${help}</p>` : ''}${condition ? html`<p class="hint condition" id="${base}-cond">${condition}</p>` : ''}${error ? html`<p class="field-error" id="${base}-error">${error}</p>` : ''}`;
  const ids = [help && `${base}-hint`, condition && `${base}-cond`, error && `${base}-error`];
  const value = v.answers[q.id];
  const text = typeof value === 'string' ? value : '';
  const invalid = error ? html` aria-invalid="true"` : '';
  const required = q.required && !condition ? html` required` : '';
  const label = html`${q.label[lang]}${optionalMark(lang, q)}`;
  switch (q.type) {
    case 'short-text':
    case 'location':
      return html`<div class="field"><label for="${anchor}">${label}</label>${hints}${q.type === 'location' ? html`<p class="hint">${m.locationHint}</p>` : ''}
<input type="text" id="${anchor}" name="${fieldName(q)}" value="${text}" maxlength="${maxLengthOf(q)}"${required}${describedBy(ids)}${invalid}></div>`;
    case 'long-text':
      return html`<div class="field"><label for="${anchor}">${label}</label>${hints}
<textarea id="${anchor}" name="${fieldName(q)}" rows="8" maxlength="${maxLengthOf(q)}"${required}${describedBy(ids)}${invalid}>${text}</textarea></div>`;
    case 'date':
      return html`<div class="field"><label for="${anchor}">${label}</label>${hints}<p class="hint" id="${base}-format">${m.dateHint}</p>
<input type="date" class="date-input" id="${anchor}" name="${fieldName(q)}" value="${text}" max="${v.today}"${required}${describedBy([...ids, `${base}-format`])}${invalid}></div>`;
    case 'date-range': {
      const range =
        value && typeof value === 'object' && !Array.isArray(value) ? value : { from: '', to: '' };
      return html`<fieldset class="field question"${describedBy([...ids, `${base}-format`])}><legend>${label}</legend>${hints}<p class="hint" id="${base}-format">${m.dateHint}</p>
<div class="date-range"><div class="field"><label for="${base}-from">${m.from}</label><input type="date" class="date-input" id="${base}-from" name="${fieldName(q, 'from')}" value="${range.from}" max="${v.today}"${invalid}></div>
<div class="field"><label for="${base}-to">${m.to}</label><input type="date" class="date-input" id="${base}-to" name="${fieldName(q, 'to')}" value="${range.to}" max="${v.today}"${invalid}></div></div></fieldset>`;
    }
    case 'single-choice':
    case 'multiple-choice':
    case 'yes-no': {
      const multiple = q.type === 'multiple-choice';
      const options =
        q.type === 'yes-no'
          ? (['yes', 'no'] as const).map((o) => ({ value: o, label: displayValue(q, o, lang) }))
          : (q.options ?? []).map((o) => ({ value: o.value, label: o.label[lang] }));
      const chosen = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
      return html`<fieldset class="field question"${describedBy(ids)}><legend>${label}</legend>${hints}
<div class="checks">${options.map((o, i) => {
        const id = i === 0 ? anchor : `${anchor}-${i}`;
        return html`<label for="${id}"><input type="${multiple ? 'checkbox' : 'radio'}" id="${id}" name="${fieldName(q)}" value="${o.value}"${chosen.includes(o.value) ? html` checked` : ''}> <span>${o.label}</span></label>`;
      })}</div></fieldset>`;
    }
    case 'file':
      return fileField(v, q, uploadIndex, hints, ids);
  }
}

function fileField(
  v: StepView,
  q: Question,
  uploadIndex: number,
  hints: SafeHtml,
  ids: (string | false | undefined)[],
): SafeHtml {
  const m = wizardMessages(v.lang);
  const anchor = anchorOf(q, uploadIndex);
  const mine = v.files.filter((f) => f.question === q.id);
  const full = v.files.length >= v.limits.maxFiles;
  const limitsHint = fill(m.filesHint, {
    count: v.limits.maxFiles,
    size: formatSize(v.limits.maxFileBytes),
  });
  const error = v.fieldErrors[anchor];
  return html`<div class="field file-field">
<label for="${anchor}">${q.label[v.lang]}</label>${hints}
<p class="hint" id="${anchor}-limits">${limitsHint}</p>
${
  mine.length > 0
    ? html`<p class="files-heading">${m.filesAttached}</p><ul class="file-list">${mine.map(
        (
          f,
        ) => html`<li class="file-item"><span class="file-name">${f.ref.meta.name}</span> <span class="hint">(${formatSize(f.ref.meta.bytes)})</span>
<span class="hint file-meta">${removedText(v.lang, f.ref.meta.removed)}</span>
<button type="submit" name="action" value="remove:${f.ref.id}" class="link-button file-remove" aria-label="${fill(m.removeLabel, { name: f.ref.meta.name })}">${m.remove}</button></li>`,
      )}</ul>`
    : ''
}
${
  full
    ? html`<p class="hint">${m.filesFull}</p>`
    : html`<div class="file-pick"><input type="file" id="${anchor}" name="upload-${uploadIndex}" multiple${describedBy([...ids, `${anchor}-limits`])}${error ? html` aria-invalid="true"` : ''}>
<button type="submit" name="action" value="upload" class="secondary">${m.attach}</button></div>`
}
</div>`;
}

export function stepPage(v: StepView): SafeHtml {
  const m = wizardMessages(v.lang);
  const step = v.def.steps[v.index]!;
  const before = new Set(v.def.steps.slice(0, v.index).flatMap((s) => s.questions.map((q) => q.id)));
  const here = new Set(step.questions.map((q) => q.id));
  const hasFile = step.questions.some((q) => q.type === 'file');
  const fields: SafeHtml[] = [];
  step.questions.forEach((q, k) => {
    const target = q.showIf?.question;
    // A condition on an earlier page is decided already; one on this page is explained instead.
    if (target && before.has(target) && !isVisible(q, v.answers)) return;
    fields.push(questionField(v, q, k, target !== undefined && here.has(target)));
  });
  const intro = v.index === 0 && v.def.intro?.[v.lang] ? v.def.intro[v.lang] : '';
  return html`${stepCount(v.lang, v.index + 1, v.def.steps.length + 2)}
<h1>${step.title[v.lang]}</h1>
${intro ? html`<p class="lead">${intro}</p>` : ''}
${step.help?.[v.lang] ? html`<p>${step.help[v.lang]}</p>` : ''}
${errorSummary(v.lang, v.errors)}
<form method="post" action="/report/step/${v.index + 1}" enctype="multipart/form-data" class="stack report-form" novalidate>
${hiddenCsrf(v.csrf)}
${hasFile ? html`<button type="submit" name="action" value="next" class="default-submit" tabindex="-1" aria-hidden="true">${m.next}</button>` : ''}
${fields}
<div class="actions"><button type="submit" name="action" value="next">${m.next}</button><button type="submit" name="action" value="back" class="secondary">${m.back}</button></div>
</form>`;
}

// ---- Identity ----

export interface IdentityView {
  lang: Lang;
  csrf: string;
  stepNumber: number;
  total: number;
  values: { mode: string; name: string; contact: string };
  errors: WizardError[];
  fieldErrors: Record<string, string>;
}

export function identityPage(v: IdentityView): SafeHtml {
  const m = wizardMessages(v.lang);
  const modes = [
    ['anonymous', m.anonymous, m.anonymousHint],
    ['confidential', m.confidential, m.confidentialHint],
    ['named', m.named, m.namedHint],
  ] as const;
  const modeError = v.fieldErrors['f-identity-mode'];
  const nameError = v.fieldErrors['f-identity-name'];
  const contactError = v.fieldErrors['f-identity-contact'];
  return html`${stepCount(v.lang, v.stepNumber, v.total)}
<h1>${m.identityTitle}</h1>
${errorSummary(v.lang, v.errors)}
<form method="post" action="/report/identity" class="stack report-form" novalidate>
${hiddenCsrf(v.csrf)}
<fieldset class="field question"${describedBy([modeError && 'identity-mode-error'])}>
<legend class="legend-large">${m.identityLegend}</legend>
${modeError ? html`<p class="field-error" id="identity-mode-error">${modeError}</p>` : ''}
<div class="choice-list">${modes.map(([value, label, hint], i) => {
    const id = i === 0 ? 'f-identity-mode' : `f-identity-mode-${i}`;
    return html`<div class="choice-item"><input type="radio" name="identity.mode" value="${value}" id="${id}" aria-describedby="${id}-hint"${v.values.mode === value ? html` checked` : ''}><label for="${id}">${label}</label><p class="hint" id="${id}-hint">${hint}</p></div>`;
  })}</div>
</fieldset>
<fieldset class="field">
<legend>${m.detailsHeading}</legend>
<p class="hint">${m.detailsHint}</p>
<div class="field"><label for="f-identity-name">${m.name}</label><p class="hint" id="f-identity-name-hint">${m.nameHint}</p>
${nameError ? html`<p class="field-error" id="f-identity-name-error">${nameError}</p>` : ''}
<input type="text" id="f-identity-name" name="identity.name" value="${v.values.name}" maxlength="200" autocomplete="off"${describedBy(['f-identity-name-hint', nameError && 'f-identity-name-error'])}${nameError ? html` aria-invalid="true"` : ''}></div>
<div class="field"><label for="f-identity-contact">${m.contact}</label><p class="hint" id="f-identity-contact-hint">${m.contactHint}</p>
${contactError ? html`<p class="field-error" id="f-identity-contact-error">${contactError}</p>` : ''}
<textarea id="f-identity-contact" name="identity.contact" rows="3" maxlength="500" autocomplete="off"${describedBy(['f-identity-contact-hint', contactError && 'f-identity-contact-error'])}${contactError ? html` aria-invalid="true"` : ''}>${v.values.contact}</textarea></div>
</fieldset>
<div class="actions"><button type="submit" name="action" value="next">${m.next}</button><button type="submit" name="action" value="back" class="secondary">${m.back}</button></div>
</form>`;
}

// ---- Review ----

export interface ReviewView {
  lang: Lang;
  csrf: string;
  def: QuestionnaireDefinition;
  answers: Answers;
  files: DraftFile[];
  identity: { mode: string; name: string; contact: string };
  challenge: string;
  powBits: number;
  notice: string | undefined;
}

export function reviewPage(v: ReviewView): SafeHtml {
  const m = wizardMessages(v.lang);
  const total = v.def.steps.length + 2;
  const sections = v.def.steps.map((step, i) => {
    const items = step.questions.filter(
      (q) => q.type !== 'file' && v.answers[q.id] !== undefined && isVisible(q, v.answers),
    );
    const stepQuestions = new Set(step.questions.map((q) => q.id));
    const files = v.files.filter((f) => stepQuestions.has(f.question));
    const title = step.title[v.lang];
    return html`<section class="review-step"><div class="review-head"><h2>${title}</h2><a href="/report/step/${i + 1}" aria-label="${fill(m.changeLabel, { step: title })}">${m.change}</a></div>
${items.length === 0 && files.length === 0 ? html`<p class="hint">${m.noAnswers}</p>` : ''}
${items.length > 0 ? html`<dl class="review-list">${items.map((q) => html`<dt class="review-label">${q.label[v.lang]}</dt><dd class="review-value">${displayValue(q, v.answers[q.id] as AnswerValue, v.lang)}</dd>`)}</dl>` : ''}
${files.length > 0 ? html`<p class="files-heading">${m.filesHeading}</p><ul class="file-list">${files.map((f) => html`<li class="file-item"><span class="file-name">${f.ref.meta.name}</span> <span class="hint">(${formatSize(f.ref.meta.bytes)})</span></li>`)}</ul>` : ''}
</section>`;
  });
  const idTitle = m.identityHeading;
  return html`${stepCount(v.lang, total, total)}
<h1>${m.reviewTitle}</h1>
<p class="lead">${m.reviewIntro}</p>
${v.notice ? html`<div class="flash flash-info" role="alert">${v.notice}</div>` : ''}
${sections}
<section class="review-step"><div class="review-head"><h2>${idTitle}</h2><a href="/report/identity" aria-label="${fill(m.changeLabel, { step: idTitle })}">${m.change}</a></div>
<dl class="review-list"><dt class="review-label">${m.identityLegend}</dt><dd class="review-value">${m.modeLabels[v.identity.mode] ?? v.identity.mode}</dd>
${v.identity.mode !== 'anonymous' && v.identity.name ? html`<dt class="review-label">${m.name}</dt><dd class="review-value">${v.identity.name}</dd>` : ''}
${v.identity.mode !== 'anonymous' && v.identity.contact ? html`<dt class="review-label">${m.contact}</dt><dd class="review-value">${v.identity.contact}</dd>` : ''}</dl>
</section>
<form method="post" action="/report/submit" class="stack report-form submit-form" data-pow-challenge="${v.challenge}" data-pow-bits="${v.powBits}" data-pow-working="${m.powWorking}">
${hiddenCsrf(v.csrf)}
<input type="hidden" name="challenge" value="${v.challenge}">
<input type="hidden" name="nonce" value="">
<p>${m.submitHint}</p>
<p class="pow-status" role="status" aria-live="polite"></p>
<div class="actions"><button type="submit">${m.submit}</button><a class="button secondary" href="/report/identity">${m.back}</a></div>
</form>
<script src="${assetUrl('report-pow.js')}" defer></script>`;
}

// ---- Receipt and plain message pages ----

export interface ReceiptView {
  lang: Lang;
  csrf: string;
  code: string;
  reference: string;
  registered: string;
}

export function receiptPage(v: ReceiptView): SafeHtml {
  const m = wizardMessages(v.lang);
  return html`<h1>${m.receiptTitle}</h1>
<p class="lead">${m.receiptLead}</p>
<div class="receipt-box">
<p class="receipt-label" id="receipt-label">${m.codeLabel}</p>
<p class="receipt-code" data-testid="receipt-code" aria-labelledby="receipt-label">${v.code}</p>
</div>
<div class="notice receipt-advice"><p><strong>${m.writeItDown}</strong> ${m.onlyWayBack}</p></div>
<dl class="facts">
<dt>${m.reference}</dt><dd><span class="mono" data-testid="receipt-reference">${v.reference}</span><br><span class="hint">${m.referenceHint}</span></dd>
<dt>${m.registered}</dt><dd>${v.registered}</dd>
</dl>
<p><a class="button secondary" href="/report/receipt.txt" download>${m.download}</a></p>
<form method="post" action="/report/receipt/forget" class="stack">
${hiddenCsrf(v.csrf)}
<p class="hint">${m.savedHint}</p>
<div class="actions"><button type="submit">${m.saved}</button></div>
</form>
<p class="receipt-follow-up"><a href="/report/follow-up">${m.followUp}</a></p>`;
}

/** A plain page: a heading, a text and a way on. */
export function messagePage(title: string, text: string, link?: { href: string; label: string }): SafeHtml {
  return html`<h1>${title}</h1><p>${text}</p>${link ? html`<p><a class="button" href="${link.href}">${link.label}</a></p>` : ''}`;
}
