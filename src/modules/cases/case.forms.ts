/**
 * The case page's forms. Every form carries the case's version (optimistic concurrency) and the
 * CSRF token; after a refusal the page is shown again with what was typed in the form that was
 * sent and the reason next to it.
 */
import { hiddenCsrf, labelledField } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill } from '../../platform/views/i18n/index.ts';
import { textArea } from '../law/forms.ts';
import { radios, select } from '../reports/admin.views.ts';
import { TEXT_MAX } from './case.actions.ts';
import type { CaseContent } from './case.service.ts';
import type { CasePageInput } from './case.views.ts';
import { when } from './case.views.ts';
import { caseLabels } from './labels.ts';
import { OUTCOMES, OUTCOMES_NEEDING_APPROVAL, PRIORITIES, TRANSITIONS } from './workflow.ts';

export interface FormState {
  /** Which form was sent (its action's last path segment). */
  form: string;
  values: Record<string, string>;
  /** A field's problem, shown next to it. */
  errors: Record<string, string>;
  /** The reason shown at the top of the page. */
  problem?: string;
}

function typed(p: CasePageInput, form: string, field: string, fallback = ''): string {
  return p.form?.form === form ? (p.form.values[field] ?? fallback) : fallback;
}

function errorOf(p: CasePageInput, form: string, field: string): string | undefined {
  return p.form?.form === form ? p.form.errors[field] : undefined;
}

/** A POST form to /admin/cases/<id>/<action> with the token and the version. */
function form(p: CasePageInput, action: string, body: SafeHtml, cls = 'stack'): SafeHtml {
  return html`<form method="post" action="/admin/cases/${p.read.meta.id}/${action}" class="${cls}" novalidate>
${hiddenCsrf(p.csrf)}<input type="hidden" name="version" value="${p.read.meta.version}">
${body}</form>`;
}

export function labelForms(p: CasePageInput, readable: boolean): SafeHtml {
  const { m, read } = p;
  const labels = read.meta.labels;
  return html`<section aria-labelledby="h-labels"><h2 id="h-labels">${m.labels}</h2>
${
  labels.length === 0
    ? html`<p>${m.noLabels}</p>`
    : html`<ul class="inline-links">${labels.map(
        (l) =>
          html`<li><span class="tag">${l}</span>${
            readable
              ? form(
                  p,
                  'labels/remove',
                  html`<input type="hidden" name="label" value="${l}"><button type="submit" class="link-button" aria-label="${m.remove}: ${l}">${m.remove}</button>`,
                  'inline-form',
                )
              : ''
          }</li>`,
      )}</ul>`
}
${
  readable
    ? form(
        p,
        'labels',
        html`${labelledField(
          { name: 'label', label: m.labelField, error: errorOf(p, 'labels', 'label') },
          (id, aria) =>
            html`<input id="${id}" name="label" type="text" maxlength="40" value="${typed(p, 'labels', 'label')}"${aria}>`,
        )}<div class="actions"><button type="submit">${m.addLabel}</button></div>`,
      )
    : ''
}</section>`;
}

export function linkForms(p: CasePageInput, readable: boolean): SafeHtml {
  const { m, read, lang } = p;
  const l = caseLabels(lang);
  return html`<section aria-labelledby="h-links"><h2 id="h-links">${m.links}</h2>
${
  read.meta.links.length === 0
    ? html`<p>${m.noLinks}</p>`
    : html`<ul>${read.meta.links.map(
        (k) =>
          html`<li><a href="/admin/cases/${k.id}">${k.reference}</a> <span class="tag">${l.status[k.status]}</span>${k.direction === 'from' ? html` <span class="hint">(${m.linkedFrom})</span>` : ''}${
            readable
              ? form(
                  p,
                  'links/remove',
                  html`<input type="hidden" name="linkedId" value="${k.id}"><button type="submit" class="link-button" aria-label="${m.unlink}: ${k.reference}">${m.unlink}</button>`,
                  'inline-form',
                )
              : ''
          }</li>`,
      )}</ul>`
}
${readable ? relatedList(p) : ''}
${
  readable
    ? form(
        p,
        'links',
        html`${labelledField(
          {
            name: 'reference',
            label: m.linkField,
            hint: m.linkHint,
            error: errorOf(p, 'links', 'reference'),
          },
          (id, aria) =>
            html`<input id="${id}" name="reference" type="text" maxlength="40" autocomplete="off" spellcheck="false" value="${typed(p, 'links', 'reference')}"${aria}>`,
        )}<div class="actions"><button type="submit">${m.link}</button></div>`,
      )
    : ''
}</section>`;
}

/** Suggestions to link: cases that name the same entity, each with a one-click link form. */
function relatedList(p: CasePageInput): SafeHtml {
  const { m, read, lang } = p;
  if (read.related.length === 0) return html``;
  const l = caseLabels(lang);
  const sep = lang === 'en' ? ', ' : '、';
  return html`<h3>${m.related}</h3><p class="hint">${m.relatedIntro}</p>
<ul data-testid="related-cases">${read.related.map(
    (r) =>
      html`<li><a href="/admin/cases/${r.id}">${r.reference}</a> <span class="tag">${l.status[r.status]}</span> ${r.kinds.map((k) => m.entityKinds[k] ?? k).join(sep)}${form(
        p,
        'links',
        html`<input type="hidden" name="reference" value="${r.reference}"><button type="submit" class="link-button" aria-label="${m.link}: ${r.reference}">${m.link}</button>`,
        'inline-form',
      )}</li>`,
  )}</ul>`;
}

function writeForms(p: CasePageInput): SafeHtml {
  const { m } = p;
  return html`<section aria-labelledby="h-write"><h2 id="h-write">${m.writeReporter}</h2>
${form(
  p,
  'messages',
  html`${textArea({
    name: 'message',
    label: m.messageField,
    hint: m.messageHint,
    value: typed(p, 'messages', 'message'),
    error: errorOf(p, 'messages', 'message'),
    maxLength: TEXT_MAX,
    rows: 5,
  })}
${radios({
  name: 'kind',
  legend: m.sendAs,
  value: typed(p, 'messages', 'kind', 'message'),
  choices: [
    { value: 'message', label: m.asMessage },
    { value: 'question', label: m.asQuestion },
  ],
  ...(errorOf(p, 'messages', 'kind') ? { error: errorOf(p, 'messages', 'kind') as string } : {}),
})}
<div class="actions"><button type="submit">${m.send}</button></div>`,
)}</section>
<section aria-labelledby="h-note"><h2 id="h-note">${m.addNote}</h2>
${form(
  p,
  'notes',
  html`${textArea({
    name: 'note',
    label: m.noteField,
    hint: m.noteHint,
    value: typed(p, 'notes', 'note'),
    error: errorOf(p, 'notes', 'note'),
    maxLength: TEXT_MAX,
    rows: 4,
  })}<div class="actions"><button type="submit">${m.saveNote}</button></div>`,
)}</section>`;
}

function workflowForms(p: CasePageInput, c: CaseContent): SafeHtml {
  const { m, lang, read } = p;
  const l = caseLabels(lang);
  const meta = read.meta;
  const moves = TRANSITIONS[meta.status].filter((s) => s !== 'concluded');
  const canConclude = TRANSITIONS[meta.status].includes('concluded');
  const pending = c.approvals.find((a) => a.status === 'pending');
  const ackShown = typed(p, 'stage', 'ackShown') === '1';
  const ackChecked = p.form?.form === 'stage' && ackShown ? typed(p, 'stage', 'sendAck') === '1' : true;
  return html`<section aria-labelledby="h-stage"><h2 id="h-stage">${m.moveStage}</h2>
${
  moves.length === 0
    ? html`<p>${m.noMoves}</p>`
    : form(
        p,
        'stage',
        html`${select({
          name: 'to',
          label: m.moveTo,
          value: typed(p, 'stage', 'to', moves[0]),
          prompt: m.choose,
          choices: moves.map((s) => ({ value: s, label: l.status[s] })),
          ...(errorOf(p, 'stage', 'to') ? { error: errorOf(p, 'stage', 'to') as string } : {}),
        })}
${meta.status === 'received' ? html`<input type="hidden" name="ackShown" value="1"><div class="checks"><label><input type="checkbox" name="sendAck" value="1"${ackChecked ? html` checked` : ''}> ${m.sendAck}</label></div>` : ''}
<div class="actions"><button type="submit">${m.move}</button></div>`,
      )
}</section>
${
  pending
    ? html`<section aria-labelledby="h-approvals"><h2 id="h-approvals">${m.approvals}</h2>
<p class="notice" role="status">${fill(m.waitingApproval, { outcome: pending.outcome ? l.outcome[pending.outcome] : '' })}</p>
<p class="hint">${fill(m.requestedBy, { name: pending.requestedByName ?? '', when: when(lang, pending.requestedAt) })}</p>
<div class="followup-text"><p>${pending.reason}</p></div>
${
  p.roles.includes('supervisor')
    ? pending.requestedBy === p.staffId || meta.assigneeId === p.staffId
      ? html`<p class="hint">${m.cannotDecide}</p>`
      : form(
          p,
          `approvals/${pending.id}`,
          html`<div class="actions"><button type="submit" name="decision" value="approve">${m.approve}</button> <button type="submit" name="decision" value="refuse" class="secondary">${m.refuse}</button></div>`,
        )
    : ''
}</section>`
    : ''
}
${
  // A refused conclusion is shown again with its text, even where the stage does not offer it.
  (canConclude && !pending) || p.form?.form === 'conclude'
    ? html`<section aria-labelledby="h-conclude"><h2 id="h-conclude">${m.conclude}</h2><p class="hint">${m.concludeHint}</p>
${form(
  p,
  'conclude',
  html`${select({
    name: 'outcome',
    label: m.outcome,
    value: typed(p, 'conclude', 'outcome'),
    prompt: m.choose,
    choices: OUTCOMES.map((o) => ({
      value: o,
      label: OUTCOMES_NEEDING_APPROVAL.has(o) ? `${l.outcome[o]} (${m.needsApprovalHint})` : l.outcome[o],
    })),
    ...(errorOf(p, 'conclude', 'outcome') ? { error: errorOf(p, 'conclude', 'outcome') as string } : {}),
  })}
${textArea({
  name: 'reason',
  label: m.reasonField,
  value: typed(p, 'conclude', 'reason'),
  error: errorOf(p, 'conclude', 'reason'),
  maxLength: TEXT_MAX,
  rows: 4,
})}
<div class="actions"><button type="submit">${m.concludeButton}</button></div>`,
)}</section>`
    : ''
}`;
}

function settingsForms(p: CasePageInput): SafeHtml {
  const { m, lang, read } = p;
  const l = caseLabels(lang);
  const meta = read.meta;
  const supervisor = p.roles.includes('supervisor');
  const workerChoice = (w: (typeof read.workers)[number]) => ({
    value: w.id,
    label: w.hasKey ? w.displayName : `${w.displayName} ${m.noKeyYet}`,
  });
  const shared = read.workers.filter((w) => w.shared).map((w) => w.displayName);
  return html`<section aria-labelledby="h-priority"><h2 id="h-priority">${m.setPriority}</h2>
${form(
  p,
  'priority',
  html`${select({
    name: 'priority',
    label: m.priority,
    value: typed(p, 'priority', 'priority', String(meta.priority)),
    prompt: m.choose,
    choices: PRIORITIES.map((n) => ({ value: String(n), label: l.priority[n] ?? String(n) })),
    ...(errorOf(p, 'priority', 'priority') ? { error: errorOf(p, 'priority', 'priority') as string } : {}),
  })}<div class="actions"><button type="submit">${m.save}</button></div>`,
)}</section>
${
  supervisor
    ? html`<section aria-labelledby="h-assign"><h2 id="h-assign">${m.assign}</h2>
${form(
  p,
  'assign',
  html`${select({
    name: 'assignee',
    label: m.assignTo,
    value: typed(p, 'assign', 'assignee', meta.assigneeId ?? ''),
    prompt: m.nobody,
    choices: read.workers.map(workerChoice),
    ...(errorOf(p, 'assign', 'assignee') ? { error: errorOf(p, 'assign', 'assignee') as string } : {}),
  })}<div class="actions"><button type="submit">${m.save}</button></div>`,
)}</section>
<section aria-labelledby="h-share"><h2 id="h-share">${m.share}</h2>
<p>${fill(m.sharedWith, { names: shared.join(lang === 'en' ? ', ' : '、') })}</p>
${form(
  p,
  'share',
  html`${select({
    name: 'staffId',
    label: m.shareWith,
    hint: m.shareHint,
    value: typed(p, 'share', 'staffId'),
    prompt: m.choose,
    choices: read.workers.filter((w) => !w.shared).map(workerChoice),
    ...(errorOf(p, 'share', 'staffId') ? { error: errorOf(p, 'share', 'staffId') as string } : {}),
  })}<div class="actions"><button type="submit">${m.shareButton}</button></div>`,
)}</section>`
    : ''
}`;
}

export function actionForms(p: CasePageInput, c: CaseContent): SafeHtml {
  return html`${writeForms(p)}${workflowForms(p, c)}${settingsForms(p)}`;
}
