/** The follow-up pages: the receipt-code form and the reporter's mailbox. Plain HTML, no JavaScript. */
import { errorSummary, type FieldErrors, hiddenCsrf } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill, type Lang, messages } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import type { ConsentState } from './followup.consent.ts';
import { type FollowUpMessages, followUpMessages } from './followup.messages.ts';
import {
  FOLLOWUP_PATH,
  type Mailbox,
  type MailboxFile,
  type MailboxMessage,
  REPLY_MAX,
} from './followup.service.ts';

export function formatMoment(lang: Lang, ms: number): string {
  return `${new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(ms)} UTC`;
}

export function formatSize(lang: Lang, bytes: number): string {
  const f = (n: number, unit: string) =>
    `${new Intl.NumberFormat(lang, { maximumFractionDigits: n < 10 ? 1 : 0 }).format(n)} ${unit}`;
  if (bytes < 1024) return f(bytes, 'B');
  if (bytes < 1024 * 1024) return f(bytes / 1024, 'KB');
  return f(bytes / (1024 * 1024), 'MB');
}

export function signInPage(
  lang: Lang,
  csrf: string,
  o: { code?: string; error?: string; flash?: Flash },
): SafeHtml {
  const m = followUpMessages(lang);
  const errors: FieldErrors = o.error ? { code: o.error } : {};
  const describedBy = ['f-code-hint', o.error ? 'f-code-error' : ''].filter(Boolean).join(' ');
  return html`<h1>${m.signInTitle}</h1>
${flashBox(o.flash)}
<p class="lead">${m.signInIntro}</p>
${errorSummary(messages(lang), errors, { code: m.code })}
<form method="post" action="${FOLLOWUP_PATH}" class="stack followup-signin" novalidate>
${hiddenCsrf(csrf)}
<div class="field">
<label for="f-code">${m.code}</label>
<p class="hint" id="f-code-hint">${m.codeHint}</p>
${o.error ? html`<p class="field-error" id="f-code-error">${o.error}</p>` : ''}
<input id="f-code" name="code" type="text" class="receipt-input" value="${o.code ?? ''}" maxlength="60" required autocomplete="off" spellcheck="false" autocapitalize="characters" autocorrect="off" aria-describedby="${describedBy}"${o.error ? html` aria-invalid="true"` : ''}>
</div>
<div class="actions"><button type="submit">${m.open}</button></div>
</form>
<p class="notice">${m.noTracking}</p>`;
}

export function throttledPage(lang: Lang, text: string): SafeHtml {
  const m = followUpMessages(lang);
  return html`<h1>${m.throttledTitle}</h1><p role="alert">${text}</p><p><a href="${FOLLOWUP_PATH}">${m.signInTitle}</a></p>`;
}

function fileList(lang: Lang, files: MailboxFile[]): SafeHtml {
  if (files.length === 0) return html``;
  return html`<ul class="followup-files">${files.map(
    (
      f,
    ) => html`<li><span class="file-name">${f.name}</span> <span class="file-size">(${formatSize(lang, f.bytes)})</span>
<br><span class="hint">${removedText(lang, f.removed)}</span></li>`,
  )}</ul>`;
}

/** What was removed from a file, in plain words. */
export function removedText(lg: Lang, removed: readonly string[]): string {
  const m = followUpMessages(lg);
  if (removed.includes('not-removable')) return m.removed['not-removable'] as string;
  if (removed.length === 0) return m.nothingFound;
  return m.removedPrefix + removed.map((r) => m.removed[r] ?? r).join(lg === 'en' ? ', ' : '、');
}

/** Paragraphs of a message, its line breaks kept by CSS (white-space: pre-line), never as markup. */
function messageText(text: string): SafeHtml {
  return html`${text
    .split(/\n{2,}/)
    .filter((p) => p.trim() !== '')
    .map((p) => html`<p>${p}</p>`)}`;
}

export interface ReplyDraft {
  text: string;
  replyTo: string | undefined;
}

function answerForm(
  m: FollowUpMessages,
  csrf: string,
  q: MailboxMessage,
  draft: ReplyDraft,
  error: string | undefined,
) {
  const id = `f-answer-${q.id}`;
  const value = draft.replyTo === q.id ? draft.text : '';
  const err = draft.replyTo === q.id ? error : undefined;
  return html`<form method="post" action="${FOLLOWUP_PATH}/reply" enctype="multipart/form-data" class="stack answer-form" novalidate>
${hiddenCsrf(csrf)}
<input type="hidden" name="replyTo" value="${q.id}">
<div class="field">
<label for="${id}">${m.answerLabel}</label>
${err ? html`<p class="field-error" id="${id}-error">${err}</p>` : ''}
<textarea id="${id}" name="text" rows="4" maxlength="${REPLY_MAX}"${err ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>${value}</textarea>
</div>
<div class="actions"><button type="submit">${m.sendAnswer}</button></div>
</form>`;
}

/** A consent request: two buttons while it is open, then what the reporter answered (an agreement can be withdrawn). */
function consentPart(lg: Lang, m: FollowUpMessages, csrf: string, msg: MailboxMessage, state?: ConsentState) {
  if (!msg.consentId) return html``;
  if (state?.status === 'approved')
    return html`<p class="hint consent-answer"><strong>${fill(m.consentAgreed, { date: formatMoment(lg, state.decidedAt ?? 0) })}</strong></p>
<form method="post" action="${FOLLOWUP_PATH}/consent" class="actions consent-form">
${hiddenCsrf(csrf)}
<input type="hidden" name="consent" value="${msg.consentId}">
<button type="submit" name="answer" value="withdraw" class="secondary">${m.consentWithdraw}</button>
<p class="hint">${m.consentWithdrawHint}</p>
</form>`;
  if (state?.status === 'withdrawn')
    return html`<p class="hint consent-answer">${fill(m.consentWithdrawn, { date: formatMoment(lg, state.decidedAt ?? 0) })}</p>`;
  if (state?.status === 'refused')
    return html`<p class="hint consent-answer">${fill(m.consentRefused, { date: formatMoment(lg, state.decidedAt ?? 0) })}</p>`;
  if (state?.status !== 'pending') return html`<p class="hint">${m.consentClosed}</p>`;
  return html`<form method="post" action="${FOLLOWUP_PATH}/consent" class="actions consent-form">
${hiddenCsrf(csrf)}
<input type="hidden" name="consent" value="${msg.consentId}">
<button type="submit" name="answer" value="agree">${m.consentAgree}</button>
<button type="submit" name="answer" value="refuse" class="secondary">${m.consentRefuse}</button>
</form>`;
}

function messageItem(
  lg: Lang,
  m: FollowUpMessages,
  csrf: string,
  msg: MailboxMessage,
  draft: ReplyDraft,
  errors: FieldErrors,
  consents?: ReadonlyMap<string, ConsentState>,
): SafeHtml {
  const who =
    msg.kind === 'consent-request'
      ? m.consentRequest
      : msg.kind === 'question'
        ? m.question
        : msg.author === 'staff'
          ? m.fromStaff
          : msg.author === 'system'
            ? m.fromSystem
            : msg.kind === 'answer'
              ? `${m.fromYou} · ${m.answerTo}`
              : m.fromYou;
  const cls = msg.kind === 'question' ? 'question' : msg.author === 'reporter' ? 'own' : msg.author;
  const answerError = errors.text && draft.replyTo === msg.id ? errors.text : undefined;
  return html`<li class="followup-message followup-${cls}" id="m-${msg.id}">
<p class="followup-meta"><strong>${who}</strong> · <time>${formatMoment(lg, msg.createdAt)}</time></p>
<div class="followup-text">${messageText(msg.text)}</div>
${fileList(lg, msg.files)}
${msg.kind === 'question' ? (msg.answered ? html`<p class="hint">${m.answered}</p>` : answerForm(m, csrf, msg, draft, answerError)) : ''}
${msg.kind === 'consent-request' ? consentPart(lg, m, csrf, msg, msg.consentId ? consents?.get(msg.consentId) : undefined) : ''}
</li>`;
}

export function mailboxPage(
  lg: Lang,
  csrf: string,
  box: Mailbox,
  o: {
    flash?: Flash;
    draft?: ReplyDraft;
    errors?: FieldErrors;
    maxFiles: number;
    maxFileMb: number;
    consents?: ReadonlyMap<string, ConsentState>;
  },
): SafeHtml {
  const m = followUpMessages(lg);
  const draft = o.draft ?? { text: '', replyTo: undefined };
  const errors = o.errors ?? {};
  const status = m.statuses[box.status];
  const mainError = draft.replyTo ? undefined : errors.text;
  const labels: Record<string, string> = { text: m.replyLabel, files: m.filesLabel };
  const summaryErrors: FieldErrors = { ...errors };
  if (draft.replyTo && summaryErrors.text) {
    summaryErrors[`answer-${draft.replyTo}`] = summaryErrors.text;
    labels[`answer-${draft.replyTo}`] = m.answerLabel;
    delete summaryErrors.text;
  }
  const describedBy = ['f-text-hint', mainError ? 'f-text-error' : ''].filter(Boolean).join(' ');
  return html`<h1>${fill(m.mailboxTitle, { reference: box.reference })}</h1>
${flashBox(o.flash)}
${errorSummary(messages(lg), summaryErrors, labels)}
<dl class="followup-facts">
<div><dt>${m.reference}</dt><dd class="mono">${box.reference}</dd></div>
<div><dt>${m.registered}</dt><dd>${formatMoment(lg, box.registeredAt)}</dd></div>
<div><dt>${m.status}</dt><dd><strong>${status.label}</strong>${lg === 'en' ? ': ' : '：'}${status.meaning}</dd></div>
</dl>
${box.ackDays !== undefined && box.feedbackDays !== undefined && box.status !== 'concluded' ? html`<p class="hint">${fill(m.expect, { ack: box.ackDays, feedback: box.feedbackDays })}</p>` : ''}
<section aria-labelledby="h-messages">
<h2 id="h-messages">${m.conversation}</h2>
${box.messages.length === 0 ? html`<p>${m.noMessages}</p>` : html`<ol class="followup-thread">${box.messages.map((msg) => messageItem(lg, m, csrf, msg, draft, errors, o.consents))}</ol>`}
</section>
<section aria-labelledby="h-reply">
<h2 id="h-reply">${m.replyTitle}</h2>
<form method="post" action="${FOLLOWUP_PATH}/reply" enctype="multipart/form-data" class="stack" novalidate>
${hiddenCsrf(csrf)}
<div class="field">
<label for="f-text">${m.replyLabel}</label>
<p class="hint" id="f-text-hint">${m.replyHint}</p>
${mainError ? html`<p class="field-error" id="f-text-error">${mainError}</p>` : ''}
<textarea id="f-text" name="text" rows="6" maxlength="${REPLY_MAX}" aria-describedby="${describedBy}"${mainError ? html` aria-invalid="true"` : ''}>${draft.replyTo ? '' : draft.text}</textarea>
</div>
<div class="field">
<label for="f-files">${m.filesLabel}</label>
<p class="hint" id="f-files-hint">${fill(m.filesHint, { count: o.maxFiles, mb: o.maxFileMb })}</p>
${errors.files ? html`<p class="field-error" id="f-files-error">${errors.files}</p>` : ''}
<input id="f-files" name="files" type="file" multiple aria-describedby="f-files-hint${errors.files ? ' f-files-error' : ''}"${errors.files ? html` aria-invalid="true"` : ''}>
</div>
<div class="actions"><button type="submit">${m.send}</button></div>
</form>
</section>
<section aria-labelledby="h-answers">
<h2 id="h-answers">${m.yourAnswers}</h2>
${
  box.answers
    ? box.answers.map(
        (s) =>
          html`<h3>${s.step}</h3><dl class="followup-answers">${s.items.map(
            (i) => html`<div><dt>${i.label}</dt><dd>${i.value}</dd></div>`,
          )}</dl>`,
      )
    : html`<p>${m.answersUnavailable}</p>`
}
<h3>${m.yourFiles}</h3>
${box.files.length === 0 ? html`<p>${m.noFiles}</p>` : fileList(lg, box.files)}
</section>
<form method="post" action="${FOLLOWUP_PATH}/sign-out" class="followup-signout">
${hiddenCsrf(csrf)}
<button type="submit" class="secondary">${m.signOut}</button>
</form>`;
}
