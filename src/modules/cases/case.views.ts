/**
 * The case page: metadata, flags and deadlines for every supervisor; for staff the case is shared
 * with, the report, its files, the conclusion and approvals, and one timeline of the thread with
 * the reporter, internal notes and events. The forms are in case.forms.ts. Plain HTML, no script.
 */
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill, type Lang } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import { formatSize } from '../reports/followup.views.ts';
import { actionForms, type FormState, labelForms, linkForms } from './case.forms.ts';
import type { CaseMessages } from './case.messages.ts';
import type { CaseContent, CaseMeta, CaseRead, FileView, TimelineItem } from './case.service.ts';
import { caseLabels } from './labels.ts';
import { deadlineState } from './workflow.ts';

const formatters = new Map<Lang, Intl.DateTimeFormat>();
/** One formatter per language: building one per date costs more than the whole page's crypto. */
export function when(lang: Lang, ms: number | null, none = '—'): string {
  if (ms === null) return none;
  let f = formatters.get(lang);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
    formatters.set(lang, f);
  }
  return `${f.format(ms)} UTC`;
}

export interface CasePageInput {
  lang: Lang;
  m: CaseMessages;
  csrf: string;
  now: number;
  roles: readonly string[];
  staffId: string;
  read: CaseRead;
  flash?: Flash | undefined;
  form?: FormState | undefined;
}

/** Plain text as paragraphs; line breaks are kept by the text, never turned into markup. */
function paragraphs(text: string): SafeHtml {
  return html`${text
    .split(/\n{2,}/)
    .filter((p) => p.trim() !== '')
    .map((p) => html`<p>${p}</p>`)}`;
}

function flags(m: CaseMessages, meta: CaseMeta, supervisor: boolean): SafeHtml {
  const base = `/admin/cases/${meta.id}`;
  const badges = [
    meta.reporterAtRisk ? html`<span class="tag" data-state="warning">${m.reporterAtRisk}</span>` : '',
    meta.protectNamed ? html`<span class="tag" data-state="warning">${m.protectNamed}</span>` : '',
    meta.legalHold ? html`<span class="tag" data-state="info">${m.legalHold}</span>` : '',
  ];
  return html`<nav aria-label="${m.flags}" class="case-flags"><p>${badges}</p>
<ul class="inline-links">
<li><a href="${base}/protection">${m.protection}</a></li>
<li><a href="${base}/identity">${m.identity}</a></li>
${supervisor ? html`<li><a href="${base}/hold">${m.hold}</a></li><li><a href="${base}/export.pdf">${m.exportPdf}</a></li>` : ''}
</ul></nav>`;
}

function details(lang: Lang, m: CaseMessages, meta: CaseMeta, now: number): SafeHtml {
  const l = caseLabels(lang);
  const state = deadlineState(meta.nextDueAt, now);
  const row = (label: string, value: SafeHtml | string) =>
    html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
  return html`<section aria-labelledby="h-details"><h2 id="h-details">${m.details}</h2>
<dl class="followup-facts">
${row(m.stage, l.status[meta.status])}
${row(m.priority, l.priority[meta.priority] ?? String(meta.priority))}
${row(m.assignee, meta.assigneeName ?? m.unassigned)}
${row(m.deadline, html`<span class="tag" data-state="${state}">${l.deadline[state]}</span> ${when(lang, meta.nextDueAt, '')}`)}
${row(m.ackDue, when(lang, meta.ackDueAt))}
${row(m.feedbackDue, when(lang, meta.feedbackDueAt))}
${row(m.channel, meta.channelName)}
${row(m.questionnaire, meta.questionnaireTitle)}
${row(m.source, m.sources[meta.source] ?? meta.source)}
${row(m.identityMode, m.identityModes[meta.identityMode] ?? meta.identityMode)}
${row(m.registered, when(lang, meta.registeredAt))}
${meta.receivedAt !== meta.registeredAt ? row(m.received, when(lang, meta.receivedAt)) : ''}
${row(m.acknowledgedAt, when(lang, meta.acknowledgedAt))}
${row(m.firstReplyAt, when(lang, meta.firstReplyAt))}
${meta.concludedAt !== null ? row(m.concludedAt, when(lang, meta.concludedAt)) : ''}
${meta.outcome ? row(m.outcome, l.outcome[meta.outcome]) : ''}
${meta.purgeAfter !== null ? row(m.purgeAfter, when(lang, meta.purgeAfter)) : ''}
</dl></section>`;
}

function fileLinks(lang: Lang, m: CaseMessages, reportId: string, files: FileView[]): SafeHtml {
  return html`<ul class="followup-files">${files.map(
    (f) =>
      html`<li><a href="/admin/cases/${reportId}/files/${f.id}" download title="${m.download}">${f.name}</a> <span class="file-size">(${formatSize(lang, f.bytes)})</span></li>`,
  )}</ul>`;
}

function answers(lang: Lang, m: CaseMessages, meta: CaseMeta, c: CaseContent): SafeHtml {
  return html`<section aria-labelledby="h-answers"><h2 id="h-answers">${m.answers}</h2>
${
  c.answers
    ? c.answers.map(
        (s) =>
          html`<h3>${s.step}</h3><dl class="followup-answers">${s.items.map(
            (i) => html`<div><dt>${i.label}</dt><dd class="pre">${i.value}</dd></div>`,
          )}</dl>`,
      )
    : html`<p>${m.answersUnavailable}</p>`
}
<h3>${m.files}</h3>
${c.files.length === 0 ? html`<p>${m.noFiles}</p>` : fileLinks(lang, m, meta.id, c.files)}
</section>`;
}

/** Events already shown by the item they describe (the note, the message) are not repeated. */
const SHOWN_BY_ITEM = new Set(['note-added', 'message-sent', 'question-sent']);

function eventText(lang: Lang, m: CaseMessages, kind: string, d: Record<string, string>): string {
  const l = caseLabels(lang);
  // The reporter's answer to a consent request is one event kind with the answer in its details.
  const key =
    kind === 'identity-consent'
      ? `identity-consent-${String(d.agreed) === 'true' ? 'given' : 'refused'}`
      : kind;
  const template = m.events[key];
  if (!template) return kind;
  const values: Record<string, string> = { ...d };
  if (d.flag)
    values.flag =
      d.flag === 'reporter-at-risk' ? m.reporterAtRisk : d.flag === 'protect-named' ? m.protectNamed : d.flag;
  if (d.from) values.from = l.status[d.from as keyof typeof l.status] ?? d.from;
  if (d.to && kind === 'moved') values.to = l.status[d.to as keyof typeof l.status] ?? d.to;
  if (d.outcome) values.outcome = l.outcome[d.outcome as keyof typeof l.outcome] ?? d.outcome;
  if (d.priority) values.priority = l.priority[Number(d.priority)] ?? d.priority;
  return fill(template, values);
}

function timelineItem(lang: Lang, m: CaseMessages, reportId: string, item: TimelineItem): SafeHtml {
  if (item.type === 'event') {
    if (SHOWN_BY_ITEM.has(item.kind)) return html``;
    return html`<li class="case-event"><p class="followup-meta"><time>${when(lang, item.at)}</time> · <strong>${item.actor}</strong> ${eventText(lang, m, item.kind, item.details)}</p></li>`;
  }
  if (item.type === 'note')
    return html`<li class="followup-message case-note" id="n-${item.id}">
<p class="followup-meta"><strong>${m.who.note}</strong> · ${item.staffName ?? ''} · <time>${when(lang, item.at)}</time> · <span class="tag">${m.noteHidden}</span></p>
<div class="followup-text">${paragraphs(item.text)}</div></li>`;
  const cls = item.kind === 'question' ? 'question' : item.author === 'reporter' ? 'own' : item.author;
  const who =
    item.author === 'staff' && item.staffName ? `${m.who.staff} (${item.staffName})` : m.who[item.author];
  return html`<li class="followup-message followup-${cls}" id="m-${item.id}">
<p class="followup-meta"><strong>${m.kinds[item.kind]}</strong> · ${who} · <time>${when(lang, item.at)}</time></p>
<div class="followup-text">${paragraphs(item.text)}</div>
${item.files.length > 0 ? fileLinks(lang, m, reportId, item.files) : ''}</li>`;
}

function timeline(lang: Lang, m: CaseMessages, reportId: string, c: CaseContent): SafeHtml {
  return html`<section aria-labelledby="h-timeline"><h2 id="h-timeline">${m.timeline}</h2>
${
  c.timeline.length === 0
    ? html`<p>${m.nothingYet}</p>`
    : html`<ol class="followup-thread">${c.timeline.map((i) => timelineItem(lang, m, reportId, i))}</ol>`
}</section>`;
}

function conclusion(m: CaseMessages, c: CaseContent): SafeHtml {
  if (c.conclusion === undefined) return html``;
  return html`<section aria-labelledby="h-conclusion"><h2 id="h-conclusion">${m.conclusionReason}</h2>
<div class="followup-text">${paragraphs(c.conclusion)}</div></section>`;
}

export function casePage(p: CasePageInput): SafeHtml {
  const { lang, m, read } = p;
  const { meta, content } = read;
  const supervisor = p.roles.includes('supervisor');
  const problem = p.form?.problem;
  return html`<p><a href="/admin/cases">${m.back}</a></p>
<h1>${fill(m.title, { reference: meta.reference })}</h1>
${flashBox(p.flash)}
${problem ? html`<div class="error-summary" role="alert" tabindex="-1"><p>${problem}</p></div>` : ''}
${content ? '' : html`<div class="notice" role="note"><h2>${m.notSharedTitle}</h2><p>${m.notSharedBody}</p></div>`}
${flags(m, meta, supervisor)}
${details(lang, m, meta, p.now)}
${labelForms(p, Boolean(content))}
${linkForms(p, Boolean(content))}
${content ? answers(lang, m, meta, content) : ''}
${content ? conclusion(m, content) : ''}
${content ? timeline(lang, m, meta.id, content) : ''}
${content ? actionForms(p, content) : ''}`;
}
