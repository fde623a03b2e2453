/** /admin/cases/:id/identity: the sealed identity, requests to see it, decisions and grants. */
import { errorSummary, type FieldErrors, hiddenCsrf, labelledField } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { catalogue, fill, type Lang, messages } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import { formatMoment, subPageHeader } from './guard.ts';
import {
  CONSENT_GRANT_MS,
  type GrantView,
  IDENTITY_GRANT_MS,
  type IdentityPage,
  type IdentityRequestView,
  REASON_MAX,
  REASON_MIN,
  type Viewer,
} from './identity.service.ts';

const en = {
  title: 'Reporter’s identity',
  modes: {
    anonymous: 'The reporter chose to stay anonymous.',
    confidential: 'The reporter gave contact details in confidence.',
    named: 'The reporter gave their name and contact details.',
  } as Record<string, string>,
  nothing: 'There is nothing to reveal: this report has no identity.',
  sealed:
    'The identity stays sealed, even from staff who read the case. To see it you need either the approval of another supervisor for a written reason (valid {hours} hours), or the reporter’s consent (valid {days} days).',
  noKey: 'The case was shared with you without the identity key: you cannot see the identity on this case.',
  name: 'Name',
  contact: 'Contact',
  shownUntil: 'Visible to you until {until} ({basis}). Every view is recorded in the audit log.',
  endMine: 'Stop seeing it now',
  requestTitle: 'Ask to see the identity',
  reason: 'Why do you need it?',
  reasonHint:
    'Between {min} and {max} characters. A supervisor other than you decides; the reason is kept sealed with the case.',
  send: 'Send the request',
  consentTitle: 'Ask the reporter',
  consentText:
    'The reporter gets a message in their follow-up mailbox asking whether you may see their details. They can agree or not; either way the case goes on.',
  consentSend: 'Ask the reporter for consent',
  requestsTitle: 'Requests',
  noRequests: 'No requests yet.',
  requestedBy: 'Requested by',
  when: 'When',
  basis: 'Basis',
  status: 'Status',
  reasonCol: 'Reason',
  decision: 'Decision',
  bases: { 'four-eyes': 'Four-eyes approval', consent: 'Reporter consent' } as Record<string, string>,
  statuses: {
    pending: 'Waiting',
    approved: 'Approved',
    refused: 'Refused',
    withdrawn: 'Withdrawn',
  } as Record<string, string>,
  approve: 'Approve',
  refuse: 'Refuse',
  ownRequest: 'Another supervisor must decide.',
  supervisorOnly: 'A supervisor decides.',
  waitingReporter: 'Waiting for the reporter.',
  byReporter: 'the reporter',
  grantsTitle: 'Who can see the identity now',
  noGrants: 'Nobody.',
  until: 'until {until}',
  revoke: 'End now',
  flashes: {
    requested: 'Your request was sent to the supervisors.',
    approved: 'The request was approved.',
    refused: 'The request was refused.',
    asked: 'The reporter was asked in their mailbox.',
    revoked: 'Access to the identity was ended.',
  } as Record<string, string>,
  problems: {
    anonymous: 'This report is anonymous: there is no identity to ask for.',
    'already-granted': 'You can already see the identity.',
    'already-pending': 'You already have a request waiting.',
    'not-found': 'That request or grant no longer exists.',
    'not-pending': 'Someone has already decided this request.',
    'own-request': 'You cannot approve your own request: a supervisor other than the requester must decide.',
    'not-supervisor': 'Only a supervisor can do this.',
  } as Record<string, string>,
};

const zh: typeof en = {
  title: '举报人身份',
  modes: {
    anonymous: '举报人选择匿名。',
    confidential: '举报人在保密前提下提供了联系方式。',
    named: '举报人提供了姓名和联系方式。',
  },
  nothing: '没有可揭示的内容：此举报不含身份信息。',
  sealed:
    '身份信息保持密封，即使是能阅读案件的工作人员也看不到。要查看，需要由另一名主管根据书面理由批准（有效 {hours} 小时），或取得举报人同意（有效 {days} 天）。',
  noKey: '此案件与您共享时未包含身份密钥：您无法查看此案件的身份信息。',
  name: '姓名',
  contact: '联系方式',
  shownUntil: '您可查看至 {until}（{basis}）。每次查看都记入审计日志。',
  endMine: '立即停止查看',
  requestTitle: '申请查看身份',
  reason: '您为什么需要查看？',
  reasonHint: '{min} 至 {max} 个字符。由您以外的主管决定；理由随案件密封保存。',
  send: '提交申请',
  consentTitle: '征求举报人同意',
  consentText:
    '举报人会在其跟进信箱中收到一条消息，询问是否同意您查看其信息。对方可以同意或不同意；案件都会继续处理。',
  consentSend: '征求举报人同意',
  requestsTitle: '申请记录',
  noRequests: '暂无申请。',
  requestedBy: '申请人',
  when: '时间',
  basis: '依据',
  status: '状态',
  reasonCol: '理由',
  decision: '决定',
  bases: { 'four-eyes': '双人审批', consent: '举报人同意' },
  statuses: { pending: '等待中', approved: '已批准', refused: '已拒绝', withdrawn: '已撤回' },
  approve: '批准',
  refuse: '拒绝',
  ownRequest: '须由另一名主管决定。',
  supervisorOnly: '由主管决定。',
  waitingReporter: '等待举报人答复。',
  byReporter: '举报人',
  grantsTitle: '目前可查看身份的人',
  noGrants: '无。',
  until: '至 {until}',
  revoke: '立即结束',
  flashes: {
    requested: '您的申请已发送给主管。',
    approved: '已批准该申请。',
    refused: '已拒绝该申请。',
    asked: '已在举报人的信箱中征求其同意。',
    revoked: '已结束对身份信息的查看权限。',
  },
  problems: {
    anonymous: '此举报为匿名举报：没有可申请查看的身份。',
    'already-granted': '您已可查看身份信息。',
    'already-pending': '您已有一项申请在等待中。',
    'not-found': '该申请或授权已不存在。',
    'not-pending': '已有人对该申请作出决定。',
    'own-request': '您不能批准自己的申请：须由申请人以外的主管决定。',
    'not-supervisor': '只有主管可以执行此操作。',
  },
};

export const identityMessages = catalogue({ en, 'zh-CN': zh });

export interface IdentityForm {
  reason: string;
  errors: FieldErrors;
  flash?: Flash | undefined;
}

export function identityPageView(
  lang: Lang,
  csrf: string,
  p: IdentityPage,
  viewer: Viewer,
  form: IdentityForm,
): SafeHtml {
  const m = identityMessages(lang);
  const base = `/admin/cases/${p.reportId}/identity`;
  const header = subPageHeader(lang, p.reportId, p.reference, m.title);
  if (p.mode === 'anonymous')
    return html`${header}${flashBox(form.flash)}<p>${m.modes.anonymous}</p><p class="notice">${m.nothing}</p>`;
  const isSupervisor = viewer.roles.includes('supervisor');
  const ownFourEyesPending = p.requests.some(
    (r) => r.basis === 'four-eyes' && r.status === 'pending' && r.requestedBy === viewer.id,
  );
  const ownConsentPending = p.requests.some(
    (r) => r.basis === 'consent' && r.status === 'pending' && r.requestedBy === viewer.id,
  );
  const shown = p.identity && p.ownGrant;
  return html`${header}
${flashBox(form.flash)}
${errorSummary(messages(lang), form.errors, { reason: m.reason })}
<p>${m.modes[p.mode] ?? ''}</p>
${
  shown
    ? html`<section class="identity-revealed" aria-labelledby="h-identity">
<h2 id="h-identity">${m.title}</h2>
<dl>
${p.identity?.name ? html`<div><dt>${m.name}</dt><dd>${p.identity.name}</dd></div>` : ''}
${p.identity?.contact ? html`<div><dt>${m.contact}</dt><dd>${p.identity.contact}</dd></div>` : ''}
</dl>
<p class="hint">${fill(m.shownUntil, { until: formatMoment(lang, p.ownGrant!.expiresAt), basis: m.bases[p.ownGrant!.basis] ?? '' })}</p>
${revokeForm(csrf, base, p.ownGrant!.id, m.endMine)}
</section>`
    : html`<p class="notice">${p.keyHeld ? fill(m.sealed, { hours: IDENTITY_GRANT_MS / 3_600_000, days: CONSENT_GRANT_MS / 86_400_000 }) : m.noKey}</p>`
}
${
  !shown && p.keyHeld && !ownFourEyesPending
    ? html`<section aria-labelledby="h-request"><h2 id="h-request">${m.requestTitle}</h2>
<form method="post" action="${base}/request" class="stack" novalidate>
${hiddenCsrf(csrf)}
${labelledField(
  {
    name: 'reason',
    label: m.reason,
    hint: fill(m.reasonHint, { min: REASON_MIN, max: REASON_MAX }),
    error: form.errors.reason,
  },
  (id, aria) =>
    html`<textarea id="${id}" name="reason" rows="4" maxlength="${REASON_MAX}" minlength="${REASON_MIN}" required${aria}>${form.reason}</textarea>`,
)}
<div class="actions"><button type="submit">${m.send}</button></div>
</form></section>`
    : ''
}
${
  !shown && p.keyHeld && !ownConsentPending
    ? html`<section aria-labelledby="h-consent"><h2 id="h-consent">${m.consentTitle}</h2>
<p>${m.consentText}</p>
<form method="post" action="${base}/consent">${hiddenCsrf(csrf)}<button type="submit" class="secondary">${m.consentSend}</button></form>
</section>`
    : ''
}
<section aria-labelledby="h-requests"><h2 id="h-requests">${m.requestsTitle}</h2>
${p.requests.length === 0 ? html`<p>${m.noRequests}</p>` : requestTable(lang, csrf, base, p.requests, viewer, isSupervisor)}
</section>
<section aria-labelledby="h-grants"><h2 id="h-grants">${m.grantsTitle}</h2>
${p.grants.length === 0 ? html`<p>${m.noGrants}</p>` : grantList(lang, csrf, base, p.grants, viewer, isSupervisor)}
</section>`;
}

function revokeForm(csrf: string, base: string, grantId: string, label: string): SafeHtml {
  return html`<form method="post" action="${base}/grants/${grantId}/revoke" class="inline-form">${hiddenCsrf(csrf)}<button type="submit" class="secondary">${label}</button></form>`;
}

function requestTable(
  lang: Lang,
  csrf: string,
  base: string,
  rows: IdentityRequestView[],
  viewer: Viewer,
  isSupervisor: boolean,
): SafeHtml {
  const m = identityMessages(lang);
  const decision = (r: IdentityRequestView): SafeHtml => {
    if (r.status !== 'pending')
      return html`${m.statuses[r.status] ?? r.status}${r.decidedAt ? html` · ${r.basis === 'consent' ? m.byReporter : (r.deciderName ?? '—')} · ${formatMoment(lang, r.decidedAt)}` : ''}`;
    if (r.basis === 'consent') return html`${m.waitingReporter}`;
    if (r.requestedBy === viewer.id) return html`${m.ownRequest}`;
    if (!isSupervisor) return html`${m.supervisorOnly}`;
    return html`<form method="post" action="${base}/approvals/${r.id}" class="inline-form">${hiddenCsrf(csrf)}
<button type="submit" name="decision" value="approve">${m.approve}</button>
<button type="submit" name="decision" value="refuse" class="secondary">${m.refuse}</button></form>`;
  };
  return html`<div class="table-wrap"><table class="data-table"><thead><tr><th scope="col">${m.requestedBy}</th><th scope="col">${m.when}</th><th scope="col">${m.basis}</th><th scope="col">${m.reasonCol}</th><th scope="col">${m.decision}</th></tr></thead>
<tbody>${rows.map(
    (r) =>
      html`<tr><td>${r.requesterName}</td><td>${formatMoment(lang, r.requestedAt)}</td><td>${m.bases[r.basis]}</td><td class="pre-line">${r.basis === 'consent' ? '' : r.reason}</td><td>${decision(r)}</td></tr>`,
  )}</tbody></table></div>`;
}

function grantList(
  lang: Lang,
  csrf: string,
  base: string,
  grants: GrantView[],
  viewer: Viewer,
  isSupervisor: boolean,
): SafeHtml {
  const m = identityMessages(lang);
  return html`<ul>${grants.map(
    (g) =>
      html`<li>${g.staffName} · ${m.bases[g.basis]} · ${fill(m.until, { until: formatMoment(lang, g.expiresAt) })}
${isSupervisor || g.staffId === viewer.id ? revokeForm(csrf, base, g.id, m.revoke) : ''}</li>`,
  )}</ul>`;
}
