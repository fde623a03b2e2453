import type { AuditEntry } from '../../platform/audit/audit-log.ts';
import { hiddenCsrf } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import type { Lang, Messages } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';

export interface AuditQuery {
  action?: string;
  actor?: string;
  from?: string;
  to?: string;
  before?: string;
}

function formatAt(lang: Lang, ms: number): string {
  return `${new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }).format(ms)} UTC`;
}

function detailsText(details: string): string {
  return details === '{}' ? '' : details;
}

export function auditView(
  t: Messages,
  lang: Lang,
  v: {
    query: AuditQuery;
    entries: AuditEntry[];
    hasMore: boolean;
    actions: string[];
    staff: { id: string; username: string }[];
    errors: Record<string, string>;
    flash?: Flash;
    csrf: string;
  },
): SafeHtml {
  const q = v.query;
  const last = v.entries[v.entries.length - 1];
  const olderParams = new URLSearchParams();
  for (const [k, val] of Object.entries(q)) if (val && k !== 'before') olderParams.set(k, val);
  if (last) olderParams.set('before', String(last.seq));
  const newestParams = new URLSearchParams(olderParams);
  newestParams.delete('before');
  const dateField = (name: 'from' | 'to', label: string) => html`<div class="field">
<label for="f-${name}">${label}</label>
${v.errors[name] ? html`<p class="field-error" id="f-${name}-error">${v.errors[name]}</p>` : ''}
<input id="f-${name}" name="${name}" type="date" value="${q[name] ?? ''}"${v.errors[name] ? html` aria-invalid="true" aria-describedby="f-${name}-error"` : ''}>
</div>`;
  return html`<h1>${t.audit.title}</h1>
${flashBox(v.flash)}
<p>${t.audit.intro}</p>
<form method="post" action="/admin/audit/verify" class="inline-form">${hiddenCsrf(v.csrf)}<button type="submit" class="secondary">${t.audit.verify}</button></form>
<form method="get" action="/admin/audit" class="filters">
<div class="field"><label for="f-action">${t.audit.action}</label>
<select id="f-action" name="action"><option value="">${t.audit.anyAction}</option>${v.actions.map(
    (a) => html`<option value="${a}"${q.action === a ? html` selected` : ''}>${a}</option>`,
  )}</select></div>
<div class="field"><label for="f-actor">${t.audit.actor}</label>
<select id="f-actor" name="actor"><option value="">—</option>${v.staff.map(
    (s) => html`<option value="${s.id}"${q.actor === s.id ? html` selected` : ''}>${s.username}</option>`,
  )}</select></div>
${dateField('from', t.audit.from)}
${dateField('to', t.audit.to)}
<div><button type="submit">${t.audit.filter}</button></div>
</form>
${
  v.entries.length === 0
    ? html`<p>${t.audit.noEntries}</p>`
    : html`<div class="table-wrap"><table class="responsive">
<thead><tr><th scope="col">#</th><th scope="col">${t.audit.at}</th><th scope="col">${t.audit.actor}</th><th scope="col">${t.audit.action}</th><th scope="col">${t.audit.target}</th><th scope="col">${t.audit.details}</th></tr></thead>
<tbody>${v.entries.map(
        (e) =>
          html`<tr><td data-label="#">${e.seq}</td><td data-label="${t.audit.at}">${formatAt(lang, e.at)}</td><td data-label="${t.audit.actor}">${e.actor_label}</td><td data-label="${t.audit.action}" class="mono">${e.action}</td><td data-label="${t.audit.target}">${e.target_type ? `${e.target_type} ${e.target_id ?? ''}` : ''}</td><td data-label="${t.audit.details}" class="mono details">${detailsText(e.details)}</td></tr>`,
      )}</tbody></table></div>`
}
<nav class="pager" aria-label="${t.audit.title}">
${q.before ? html`<a href="/admin/audit?${newestParams.toString()}">${t.audit.newer}</a>` : html`<span></span>`}
${v.hasMore ? html`<a href="/admin/audit?${olderParams.toString()}">${t.audit.older}</a>` : ''}
</nav>`;
}
