/** Views for staff administration. */
import { ROLES, type Role } from '../../platform/db/schema.ts';
import { errorSummary, type FieldErrors, hiddenCsrf, textField } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill, type Lang, type Messages } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import { EMAIL_MAX, emailMessagesFor } from './email.ts';
import type { StaffListItem } from './repository.ts';

export function formatTime(lang: Lang, ms: number | null, never: string): string {
  if (ms === null) return never;
  return (
    new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(ms) +
    ' UTC'
  );
}

function statusLabel(t: Messages, s: StaffListItem['status']): string {
  return s === 'active'
    ? t.staff.statusActive
    : s === 'invited'
      ? t.staff.statusInvited
      : t.staff.statusDisabled;
}

function roleChecks(t: Messages, selected: readonly string[], error?: string): SafeHtml {
  return html`<fieldset id="f-roles"${error ? html` aria-describedby="f-roles-error"` : ''}>
<legend>${t.staff.roles}</legend>
<p class="hint">${t.staff.rolesHelp}</p>
${error ? html`<p class="field-error" id="f-roles-error">${error}</p>` : ''}
<div class="checks">${ROLES.map(
    (r) =>
      html`<label><input type="checkbox" name="roles" value="${r}"${selected.includes(r) ? html` checked` : ''}> ${t.roles[r]}</label>`,
  )}</div>
</fieldset>`;
}

export function staffListView(
  t: Messages,
  lang: Lang,
  v: { staff: StaffListItem[]; flash?: Flash },
): SafeHtml {
  const e = emailMessagesFor(t);
  return html`<h1>${t.staff.listTitle}</h1>
${flashBox(v.flash)}
<p><a class="button" href="/admin/staff/new">${t.staff.add}</a></p>
<div class="table-wrap"><table class="responsive">
<thead><tr><th scope="col">${t.staff.displayName}</th><th scope="col">${t.staff.username}</th><th scope="col">${e.email}</th><th scope="col">${t.staff.roles}</th><th scope="col">${t.staff.status}</th><th scope="col">${t.staff.twoFactor}</th><th scope="col">${t.staff.lastSignIn}</th></tr></thead>
<tbody>${v.staff.map(
    (s) => html`<tr>
<td data-label="${t.staff.displayName}"><a href="/admin/staff/${s.id}">${s.displayName}</a></td>
<td data-label="${t.staff.username}"><span class="mono">${s.username}</span></td>
<td data-label="${e.email}">${s.email ?? e.noEmail}</td>
<td data-label="${t.staff.roles}">${s.roles.map((r) => html`<span class="tag">${t.roles[r]}</span>`)}</td>
<td data-label="${t.staff.status}">${statusLabel(t, s.status)}</td>
<td data-label="${t.staff.twoFactor}">${s.totpEnrolled ? t.staff.enrolled : t.staff.notEnrolled}</td>
<td data-label="${t.staff.lastSignIn}">${formatTime(lang, s.lastSigninAt, t.staff.never)}</td>
</tr>`,
  )}</tbody></table></div>`;
}

export function newStaffView(
  t: Messages,
  v: {
    csrf: string;
    values: { username?: string; displayName?: string; email?: string };
    roles: string[];
    errors: FieldErrors;
  },
): SafeHtml {
  const e = emailMessagesFor(t);
  const labels = {
    username: t.staff.username,
    displayName: t.staff.displayName,
    email: e.email,
    roles: t.staff.roles,
  };
  return html`<h1>${t.staff.newTitle}</h1>
${errorSummary(t, v.errors, labels)}
<form method="post" action="/admin/staff" class="stack" novalidate>
${hiddenCsrf(v.csrf)}
${textField({ name: 'username', label: labels.username, value: v.values.username, error: v.errors.username, hint: t.setup.usernameRules, required: true, maxLength: 40, autocomplete: 'off' })}
${textField({ name: 'displayName', label: labels.displayName, value: v.values.displayName, error: v.errors.displayName, required: true, maxLength: 100, autocomplete: 'off' })}
${emailField(t, v.values.email ?? '', v.errors.email)}
${roleChecks(t, v.roles, v.errors.roles)}
<div class="actions"><button type="submit">${t.staff.add}</button><a href="/admin/staff">${t.common.cancel}</a></div>
</form>`;
}

function emailField(t: Messages, value: string, error: string | undefined): SafeHtml {
  const e = emailMessagesFor(t);
  return textField({
    name: 'email',
    label: e.email,
    value,
    error,
    hint: e.emailHint,
    type: 'email',
    maxLength: EMAIL_MAX,
    autocomplete: 'off',
  });
}

export function linkIssuedView(
  t: Messages,
  v: { title: string; text: string; link: string; backHref: string },
): SafeHtml {
  return html`<h1>${v.title}</h1>
<div class="flash flash-ok" role="status"><p>${v.text}</p>
<p class="secret-link" data-testid="one-time-link">${v.link}</p></div>
<p><a href="${v.backHref}">${t.common.back}</a></p>`;
}

export interface StaffDetail {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  status: StaffListItem['status'];
  roles: Role[];
  version: number;
  totpEnrolled: boolean;
  lastSigninAt: number | null;
  keyCreatedAt: number | null;
  isSelf: boolean;
}

export function staffDetailView(
  t: Messages,
  lang: Lang,
  v: {
    csrf: string;
    staff: StaffDetail;
    roles: string[];
    email: string;
    errors: FieldErrors;
    flash?: Flash;
  },
): SafeHtml {
  const s = v.staff;
  const e = emailMessagesFor(t);
  const base = `/admin/staff/${s.id}`;
  return html`<h1>${s.displayName}</h1>
${flashBox(v.flash)}
${errorSummary(t, v.errors, { roles: t.staff.roles, email: e.email })}
<dl>
<dt>${t.staff.username}</dt><dd class="mono">${s.username}</dd>
<dt>${e.email}</dt><dd data-testid="staff-email">${s.email ?? e.noEmail}</dd>
<dt>${t.staff.status}</dt><dd>${statusLabel(t, s.status)}</dd>
<dt>${t.staff.twoFactor}</dt><dd>${s.totpEnrolled ? t.staff.enrolled : t.staff.notEnrolled}</dd>
<dt>${t.staff.lastSignIn}</dt><dd>${formatTime(lang, s.lastSigninAt, t.staff.never)}</dd>
<dt>${t.staff.keys}</dt><dd>${s.keyCreatedAt === null ? t.staff.noKey : fill(t.staff.keyActive, { date: formatTime(lang, s.keyCreatedAt, '') })}</dd>
</dl>
<h2>${t.staff.roles}</h2>
<form method="post" action="${base}/roles" class="stack" novalidate>
${hiddenCsrf(v.csrf)}
<input type="hidden" name="version" value="${s.version}">
${roleChecks(t, v.roles, v.errors.roles)}
<div class="actions"><button type="submit">${t.staff.saveRoles}</button></div>
</form>
<h2>${e.email}</h2>
<form method="post" action="${base}/email" class="stack" novalidate>
${hiddenCsrf(v.csrf)}
<input type="hidden" name="version" value="${s.version}">
${emailField(t, v.email, v.errors.email)}
<div class="actions"><button type="submit">${e.saveEmail}</button></div>
</form>
${
  s.status === 'disabled'
    ? ''
    : html`<h2>${s.status === 'invited' ? t.staff.issueSetup : t.staff.issueReset}</h2>
<form method="post" action="${base}/link" class="stack">${hiddenCsrf(v.csrf)}
<div class="actions"><button type="submit" class="secondary">${s.status === 'invited' ? t.staff.issueSetup : t.staff.issueReset}</button></div></form>`
}
${
  s.isSelf
    ? ''
    : html`<h2>${t.staff.status}</h2>
<form method="post" action="${base}/status" class="stack">${hiddenCsrf(v.csrf)}
<input type="hidden" name="version" value="${s.version}">
<input type="hidden" name="status" value="${s.status === 'disabled' ? 'active' : 'disabled'}">
<div class="actions">${s.status === 'disabled' ? html`<button type="submit">${t.staff.enable}</button>` : html`<button type="submit" class="danger">${t.staff.disable}</button>`}</div></form>`
}
<p><a href="/admin/staff">${t.common.back}</a></p>`;
}
