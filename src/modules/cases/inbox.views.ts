/**
 * The inbox page: the filter form (a GET form, works without JavaScript), saved filters, the
 * table of cases with checkboxes for the bulk form, paging links, and the CSV export pages.
 */
import { hiddenCsrf } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill, type Lang } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import type { InboxMessages } from './inbox.messages.ts';
import { DEADLINE_FILTERS, type InboxFilter } from './inbox.query.ts';
import type { InboxRow } from './inbox.repository.ts';
import { caseLabels } from './labels.ts';
import { deadlineState, PRIORITIES, STATUSES } from './workflow.ts';

export const isoDay = (ms: number | null): string =>
  ms === null ? '' : new Date(ms).toISOString().slice(0, 10);

interface Option {
  value: string;
  label: string;
}

export interface InboxView {
  lang: Lang;
  csrf: string;
  filter: InboxFilter;
  /** The current query string without the cursor (for the bulk, save and export forms). */
  query: string;
  rows: InboxRow[];
  labels: Map<string, string[]>;
  nextHref: string | undefined;
  firstHref: string | undefined;
  channels: Option[];
  categories: Option[];
  /** Display names of questionnaires, by id. */
  categoryNames: Map<string, string>;
  workers: { id: string; displayName: string; hasKey: boolean }[];
  saved: { id: string; name: string; query: string }[];
  supervisor: boolean;
  now: number;
  flashes: Flash[];
  filtered: boolean;
}

function selectBox(
  name: string,
  label: string,
  value: string,
  anyLabel: string,
  options: Option[],
): SafeHtml {
  return html`<div class="field"><label for="f-${name}">${label}</label>
<select id="f-${name}" name="${name}"><option value="">${anyLabel}</option>${options.map(
    (o) => html`<option value="${o.value}"${o.value === value ? html` selected` : ''}>${o.label}</option>`,
  )}</select></div>`;
}

function textBox(name: string, label: string, value: string, type = 'text', hint?: string): SafeHtml {
  return html`<div class="field"><label for="f-${name}">${label}</label>${hint ? html`<p class="hint" id="f-${name}-hint">${hint}</p>` : ''}
<input id="f-${name}" name="${name}" type="${type}" value="${value}"${hint ? html` aria-describedby="f-${name}-hint"` : ''}></div>`;
}

function filterForm(m: InboxMessages, v: InboxView): SafeHtml {
  const l = caseLabels(v.lang);
  const f = v.filter;
  return html`<form method="get" action="/admin/cases" class="filters" aria-labelledby="filters-heading">
<h2 id="filters-heading">${m.filters}</h2>
<div class="field-row">
${selectBox(
  'status',
  m.status,
  f.status ?? '',
  m.any,
  STATUSES.map((s) => ({ value: s, label: l.status[s] })),
)}
${selectBox('channel', m.channel, f.channel ?? '', m.any, v.channels)}
${selectBox('category', m.category, f.category ?? '', m.any, v.categories)}
${selectBox(
  'priority',
  m.priority,
  f.priority === undefined ? '' : String(f.priority),
  m.any,
  PRIORITIES.map((p) => ({ value: String(p), label: l.priority[p]! })),
)}
${selectBox('assignee', m.assignee, f.assignee ?? '', m.any, [
  { value: 'me', label: m.me },
  { value: 'none', label: m.unassigned },
  ...v.workers.map((w) => ({ value: w.id, label: w.displayName })),
])}
${selectBox(
  'deadline',
  m.deadline,
  f.deadline ?? '',
  m.any,
  DEADLINE_FILTERS.map((d) => ({ value: d, label: l.deadline[d] })),
)}
${textBox('label', m.label, f.label ?? '')}
${textBox('from', m.from, f.from ?? '', 'date')}
${textBox('to', m.to, f.to ?? '', 'date')}
${textBox('ref', m.ref, f.ref ?? '', 'text', m.refHint)}
${selectBox('sort', m.sort, f.sort === 'newest' ? '' : f.sort, m.sortNewest, [
  { value: 'oldest', label: m.sortOldest },
  { value: 'due', label: m.sortDue },
])}
</div>
<p class="actions"><button type="submit">${m.apply}</button> <a href="/admin/cases">${m.clear}</a></p>
</form>`;
}

function savedList(m: InboxMessages, v: InboxView): SafeHtml {
  return html`<section aria-labelledby="saved-heading"><h2 id="saved-heading">${m.savedFilters}</h2>
${
  v.saved.length === 0
    ? html`<p>${m.noSaved}</p>`
    : html`<ul class="plain saved-filters">${v.saved.map(
        (s) => html`<li><a href="/admin/cases${s.query ? `?${s.query}` : ''}">${s.name}</a>
<form method="post" action="/admin/cases/filters/${s.id}/delete" class="inline-form">${hiddenCsrf(v.csrf)}<button type="submit" class="link-button" aria-label="${fill(m.deleteSaved, { name: s.name })}">${m.delete}</button></form></li>`,
      )}</ul>`
}
<form method="post" action="/admin/cases/filters" class="inline-form">${hiddenCsrf(v.csrf)}<input type="hidden" name="query" value="${v.query}">
<label for="f-name">${m.saveAs}</label> <input id="f-name" name="name" maxlength="60" required> <button type="submit">${m.save}</button></form>
<form method="post" action="/admin/cases/export" class="inline-form">${hiddenCsrf(v.csrf)}<input type="hidden" name="query" value="${v.query}">
<button type="submit" class="secondary">${m.export}</button> <span class="hint">${m.exportHint}</span></form>
</section>`;
}

function flags(m: InboxMessages, r: InboxRow): SafeHtml {
  return html`${r.reporter_at_risk ? html`<span class="tag" data-flag="at-risk">${m.atRisk}</span> ` : ''}${r.protect_named ? html`<span class="tag" data-flag="protect-named">${m.protectNamed}</span> ` : ''}${r.legal_hold ? html`<span class="tag" data-flag="legal-hold">${m.legalHold}</span>` : ''}`;
}

function row(m: InboxMessages, v: InboxView, r: InboxRow): SafeHtml {
  const l = caseLabels(v.lang);
  const state = deadlineState(r.next_due_at, v.now);
  const labels = v.labels.get(r.id) ?? [];
  return html`<tr data-case="${r.id}">
<td data-label="${m.select}"><input type="checkbox" name="ids" value="${r.id}" form="bulk" aria-label="${fill(m.selectCase, { reference: r.reference })}"></td>
<td data-label="${m.reference}"><a class="mono" href="/admin/cases/${r.id}">${r.reference}</a></td>
<td data-label="${m.channel}">${v.channels.find((c) => c.value === r.channel_id)?.label ?? r.channel_id}</td>
<td data-label="${m.category}">${v.categoryNames.get(r.questionnaire_id) ?? r.questionnaire_id}</td>
<td data-label="${m.status}">${l.status[r.status]}</td>
<td data-label="${m.priority}">${l.priority[r.priority] ?? r.priority}</td>
<td data-label="${m.assignee}">${r.assignee_name ?? m.nobody}</td>
<td data-label="${m.deadline}"><span class="tag" data-deadline="${state}">${l.deadline[state]}</span>${r.next_due_at === null ? '' : html` <span class="hint">${fill(m.due, { date: isoDay(r.next_due_at) })}</span>`}</td>
<td data-label="${m.labels}">${labels.map((x) => html`<span class="tag">${x}</span> `)}</td>
<td data-label="${m.registered}">${isoDay(r.registered_at)}</td>
<td data-label="${m.flags}">${flags(m, r)}</td>
</tr>`;
}

function bulkForm(m: InboxMessages, v: InboxView): SafeHtml {
  return html`<form method="post" action="/admin/cases/bulk" id="bulk" class="bulk" aria-labelledby="bulk-heading">
<h2 id="bulk-heading">${m.bulk}</h2>${hiddenCsrf(v.csrf)}<input type="hidden" name="query" value="${v.query}">
${
  v.supervisor
    ? html`<div class="field"><label for="f-assignee-to">${m.assignTo}</label><select id="f-assignee-to" name="assignee"><option value=""></option>${v.workers.map(
        (w) =>
          html`<option value="${w.id}"${w.hasKey ? '' : html` disabled`}>${w.displayName}${w.hasKey ? '' : ` (${m.noKeyYet})`}</option>`,
      )}</select> <button type="submit" name="action" value="assign">${m.assign}</button></div>`
    : ''
}
<div class="field"><label for="f-bulk-label">${m.label}</label><p class="hint" id="f-bulk-label-hint">${m.labelHint}</p>
<input id="f-bulk-label" name="label" maxlength="40" aria-describedby="f-bulk-label-hint">
<button type="submit" name="action" value="add-label">${m.addLabel}</button> <button type="submit" name="action" value="remove-label" class="secondary">${m.removeLabel}</button></div>
</form>`;
}

export function inboxView(m: InboxMessages, v: InboxView): SafeHtml {
  return html`<h1>${m.title}</h1>
${v.flashes.map((f) => flashBox(f))}
<p>${m.intro}</p>
${filterForm(m, v)}
${savedList(m, v)}
${
  v.rows.length === 0
    ? html`<p class="empty" data-testid="inbox-empty">${v.filtered ? m.noMatch : m.noCases}</p>`
    : html`${bulkForm(m, v)}
<p>${fill(m.shownCount, { count: v.rows.length })}</p>
<div class="table-wrap"><table class="responsive inbox-table" data-testid="inbox">
<thead><tr><th scope="col">${m.select}</th><th scope="col">${m.reference}</th><th scope="col">${m.channel}</th><th scope="col">${m.category}</th><th scope="col">${m.status}</th><th scope="col">${m.priority}</th><th scope="col">${m.assignee}</th><th scope="col">${m.deadline}</th><th scope="col">${m.labels}</th><th scope="col">${m.registered}</th><th scope="col">${m.flags}</th></tr></thead>
<tbody>${v.rows.map((r) => row(m, v, r))}</tbody></table></div>`
}
<nav class="pager" aria-label="${m.title}">${v.firstHref ? html`<a href="${v.firstHref}" data-testid="first-page">${m.firstPage}</a> ` : ''}${v.nextHref ? html`<a href="${v.nextHref}" rel="next" data-testid="next-page">${m.nextPage}</a>` : ''}</nav>`;
}

export interface ExportView {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  rowsDone: number;
  rowsTotal: number | null;
  expired: boolean;
}

export function exportView(m: InboxMessages, e: ExportView): SafeHtml {
  const total = e.rowsTotal ?? 0;
  const text =
    e.status === 'failed'
      ? m.exportFailed
      : e.expired
        ? m.exportExpired
        : e.status === 'done'
          ? fill(m.exportDone, { done: e.rowsDone })
          : e.status === 'queued'
            ? m.exportQueued
            : fill(m.exportRunning, { done: e.rowsDone, total });
  const running = e.status === 'queued' || e.status === 'running';
  return html`<h1>${m.exportTitle}</h1>
<p role="status" data-testid="export-status" data-state="${e.status}">${text}</p>
${running ? html`<progress max="${Math.max(total, 1)}" value="${e.rowsDone}" aria-label="${m.exportTitle}">${e.rowsDone}</progress><p class="hint">${m.refreshNote} <a href="/admin/cases/export/${e.id}">${m.reload}</a></p>` : ''}
${e.status === 'done' && !e.expired ? html`<p><a class="button" href="/admin/cases/export/${e.id}.csv" data-testid="download">${m.download}</a></p>` : ''}
<p><a href="/admin/cases">${m.backToInbox}</a></p>`;
}
