/** The organisation recovery page: the key's state, set-up, "protect my cases", requests and approvals. */
import { errorSummary, type FieldErrors, hiddenCsrf, labelledField } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill, type Lang, type Messages } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import { formatTime } from '../accounts/staff.views.ts';
import { textArea } from '../law/forms.ts';
import type { Candidate, RecoveryKeyInfo, RecoveryProblem } from './recovery.service.ts';

const en = {
  title: 'Key recovery',
  intro:
    'If a staff member loses their password, the cases sealed to their old key can be given back to their new key once enough supervisors approve. No single person can open the recovery key alone.',
  none: 'No recovery key is set up. Until one is, a lost password means the cases sealed only to that person are lost.',
  active: 'Recovery key active since {at}: {m} of {n} supervisors must approve a recovery.',
  holders: 'Share holders',
  holderStale: '(their key was replaced: this share can no longer be used)',
  setUpTitle: 'Set up the recovery key',
  replaceTitle: 'Replace the recovery key',
  setUpHint:
    'Each chosen supervisor receives one share, sealed to their own key. Choose at least 2. Supervisors who have never signed in hold no key yet and cannot be chosen until they sign in once.',
  threshold: 'Approvals needed (M)',
  thresholdHint: 'At least 2 and no more than the number of share holders chosen.',
  holdersLegend: 'Share holders (N)',
  noKeyYet: 'cannot be chosen: has not signed in yet, so holds no key',
  replaceConfirm:
    'I understand that pending recovery requests are cancelled and a new set of shares replaces the old one.',
  setUp: 'Create the recovery key',
  protectTitle: 'Protect my cases',
  protectHint:
    'Cases registered before the recovery key was set up have no recovery wrap yet. This adds one to every case you can read.',
  protect: 'Protect my cases',
  requestTitle: 'Ask for a recovery',
  requestHint:
    'Only staff whose old key was retired by a password reset and who have signed in again appear here.',
  target: 'Staff member',
  choose: 'Choose…',
  reason: 'Reason',
  reasonHint: 'Why is this recovery needed? Do not write anything about a case.',
  request: 'Ask supervisors to approve',
  pendingTitle: 'Pending requests',
  noPending: 'No pending requests.',
  requestFor: 'For {name}, asked by {by} on {at}',
  approvals: '{k} of {m} approvals',
  approve: 'Approve with my share',
  notHolderNote: 'You hold no share of the recovery key.',
  youAreTarget: 'You cannot approve a recovery for yourself.',
  approved: 'You approved this request.',
  flash: {
    'set-up': 'The recovery key is set up.',
    protected: 'Your cases are protected: {n} added.',
    requested: 'The request was sent to the share holders.',
    approved: 'Your approval was recorded.',
    completed: 'Recovery completed: the cases were given back.',
  } as Record<string, string>,
  problems: {
    threshold: 'Choose a number of approvals between 2 and the number of share holders.',
    holders: 'Choose between 2 and 20 different share holders.',
    'holder-not-eligible':
      'One of the chosen people cannot hold a share (not an active supervisor with a key).',
    'no-key': 'No recovery key is set up.',
    'target-unknown': 'Choose a staff member from the list.',
    'target-no-new-key':
      'This person must sign in again with their new password before their cases can be recovered.',
    'target-nothing-lost': 'This person has not lost a key: there is nothing to recover.',
    'target-pending': 'A request for this person is already pending.',
    'too-few-holders': 'Not enough share holders other than this person can approve.',
    reason: 'Give a reason (up to 1000 characters).',
    'not-pending': 'This request is no longer pending.',
    'not-holder': 'You hold no share of this recovery key.',
    'is-target': 'You cannot approve a recovery for yourself.',
    'already-approved': 'You have already approved this request.',
    'share-unreadable':
      'Your share cannot be opened with your current key (it was sealed to an earlier key).',
    confirm: 'Confirm that the old shares will be replaced.',
    truncated: 'Something in the form was too long or malformed and was cut.',
  } as Record<RecoveryProblem | 'confirm' | 'truncated', string>,
};

type RecoveryMessages = typeof en;

const zh: RecoveryMessages = {
  title: '密钥恢复',
  intro:
    '如果工作人员丢失了密码，在足够多的主管批准后，以其旧密钥加密的案件可以交还给其新密钥。任何人都无法单独打开恢复密钥。',
  none: '尚未设置恢复密钥。在设置之前，丢失密码意味着仅加密给该人的案件将会丢失。',
  active: '恢复密钥自 {at} 起生效：恢复需 {n} 名主管中的 {m} 名批准。',
  holders: '份额持有人',
  holderStale: '（其密钥已更换：此份额已无法使用）',
  setUpTitle: '设置恢复密钥',
  replaceTitle: '更换恢复密钥',
  setUpHint:
    '每位选定的主管获得一个以其本人密钥加密的份额。至少选择 2 人。从未登录的主管尚无密钥，登录一次后才能被选择。',
  threshold: '所需批准数（M）',
  thresholdHint: '至少 2，且不超过所选份额持有人数。',
  holdersLegend: '份额持有人（N）',
  noKeyYet: '无法选择：尚未登录，因此没有密钥',
  replaceConfirm: '我了解待处理的恢复请求将被取消，新的份额将取代旧的份额。',
  setUp: '创建恢复密钥',
  protectTitle: '保护我的案件',
  protectHint: '在设置恢复密钥之前登记的案件尚无恢复封装。此操作为您能阅读的每个案件添加一个。',
  protect: '保护我的案件',
  requestTitle: '申请恢复',
  requestHint: '此处仅显示旧密钥因重置密码而停用、并已重新登录的工作人员。',
  target: '工作人员',
  choose: '请选择…',
  reason: '理由',
  reasonHint: '为什么需要恢复？请勿写入任何案件内容。',
  request: '请主管批准',
  pendingTitle: '待处理的请求',
  noPending: '没有待处理的请求。',
  requestFor: '对象：{name}，由 {by} 于 {at} 提出',
  approvals: '已批准 {k}/{m}',
  approve: '用我的份额批准',
  notHolderNote: '您不持有恢复密钥的份额。',
  youAreTarget: '您不能批准针对自己的恢复。',
  approved: '您已批准此请求。',
  flash: {
    'set-up': '恢复密钥已设置。',
    protected: '您的案件已受保护：新增 {n} 个。',
    requested: '请求已发送给份额持有人。',
    approved: '您的批准已记录。',
    completed: '恢复完成：案件已交还。',
  },
  problems: {
    threshold: '请选择介于 2 与份额持有人数之间的批准数。',
    holders: '请选择 2 至 20 名不同的份额持有人。',
    'holder-not-eligible': '所选人员中有人无法持有份额（不是持有密钥的在职主管）。',
    'no-key': '尚未设置恢复密钥。',
    'target-unknown': '请从列表中选择工作人员。',
    'target-no-new-key': '此人必须先用新密码重新登录，才能恢复其案件。',
    'target-nothing-lost': '此人没有丢失密钥：无需恢复。',
    'target-pending': '已有针对此人的待处理请求。',
    'too-few-holders': '除此人之外，能够批准的份额持有人不足。',
    reason: '请填写理由（最多 1000 个字符）。',
    'not-pending': '此请求已不再待处理。',
    'not-holder': '您不持有此恢复密钥的份额。',
    'is-target': '您不能批准针对自己的恢复。',
    'already-approved': '您已批准过此请求。',
    'share-unreadable': '无法用您当前的密钥打开您的份额（它加密给了之前的密钥）。',
    confirm: '请确认旧份额将被取代。',
    truncated: '表单中有内容过长或格式错误，已被截断。',
  },
};

export const recoveryMessages = (lang: Lang): RecoveryMessages => (lang === 'en' ? en : zh);

export interface RecoveryPageData {
  lang: Lang;
  csrf: string;
  staffId: string;
  isAdmin: boolean;
  canRequest: boolean;
  key: RecoveryKeyInfo | undefined;
  candidates: Candidate[];
  targets: { id: string; displayName: string }[];
  pending: {
    id: string;
    target_id: string;
    target_name: string;
    requester_name: string | null;
    created_at: number;
    approvedBy: string[];
  }[];
  flash?: Flash | undefined;
  setUp: { values: { threshold: string; holders: string[]; replace: string }; errors: FieldErrors };
  request: { values: { target: string; reason: string }; errors: FieldErrors };
}

function setUpForm(t: Messages, m: RecoveryMessages, d: RecoveryPageData): SafeHtml {
  const v = d.setUp.values;
  const e = d.setUp.errors;
  return html`<section aria-labelledby="setup-h"><h2 id="setup-h">${d.key ? m.replaceTitle : m.setUpTitle}</h2>
<form method="post" action="/admin/recovery/setup" novalidate>${hiddenCsrf(d.csrf)}
${errorSummary(t, e, { threshold: m.threshold, holders: m.holdersLegend, replace: m.replaceTitle })}
<p class="hint">${m.setUpHint}</p>
<fieldset id="f-holders"${e.holders ? html` aria-describedby="f-holders-error"` : ''}><legend>${m.holdersLegend}</legend>
${e.holders ? html`<p class="field-error" id="f-holders-error">${e.holders}</p>` : ''}
<div class="checks">${d.candidates.map((c) =>
    c.blocked
      ? html`<label><input type="checkbox" name="holders" value="${c.id}" disabled> ${c.displayName} (${c.username}) — ${m.noKeyYet}</label>`
      : html`<label><input type="checkbox" name="holders" value="${c.id}"${v.holders.includes(c.id) ? html` checked` : ''}> ${c.displayName} (${c.username})</label>`,
  )}</div></fieldset>
${labelledField(
  { name: 'threshold', label: m.threshold, hint: m.thresholdHint, error: e.threshold },
  (id, aria) =>
    html`<input id="${id}" name="threshold" type="text" inputmode="numeric" value="${v.threshold}"${aria}>`,
)}
${
  d.key
    ? html`<div class="checks" id="f-replace">${e.replace ? html`<p class="field-error">${e.replace}</p>` : ''}<label><input type="checkbox" name="replace" value="yes"${v.replace === 'yes' ? html` checked` : ''}> ${m.replaceConfirm}</label></div>`
    : ''
}
<button type="submit">${m.setUp}</button></form></section>`;
}

function requestForm(t: Messages, m: RecoveryMessages, d: RecoveryPageData): SafeHtml {
  const v = d.request.values;
  const e = d.request.errors;
  return html`<section aria-labelledby="request-h"><h2 id="request-h">${m.requestTitle}</h2>
<form method="post" action="/admin/recovery/requests" novalidate>${hiddenCsrf(d.csrf)}
${errorSummary(t, e, { target: m.target, reason: m.reason })}
<p class="hint">${m.requestHint}</p>
${labelledField(
  { name: 'target', label: m.target, error: e.target },
  (id, aria) => html`<select id="${id}" name="target"${aria}><option value="">${m.choose}</option>
${d.targets.map((x) => html`<option value="${x.id}"${x.id === v.target ? html` selected` : ''}>${x.displayName}</option>`)}</select>`,
)}
${textArea({ name: 'reason', label: m.reason, hint: m.reasonHint, value: v.reason, error: e.reason, maxLength: 1000, rows: 3 })}
<button type="submit">${m.request}</button></form></section>`;
}

function pendingList(m: RecoveryMessages, d: RecoveryPageData): SafeHtml {
  const holder = d.key?.holders.find((h) => h.id === d.staffId);
  return html`<section aria-labelledby="pending-h"><h2 id="pending-h">${m.pendingTitle}</h2>
${
  d.pending.length === 0
    ? html`<p>${m.noPending}</p>`
    : html`<ul class="plain-list">${d.pending.map((p) => {
        const mine = p.approvedBy.includes(d.staffId);
        const action =
          p.target_id === d.staffId
            ? html`<p class="hint">${m.youAreTarget}</p>`
            : mine
              ? html`<p class="hint">${m.approved}</p>`
              : holder
                ? html`<form method="post" action="/admin/recovery/requests/${p.id}/approve">${hiddenCsrf(d.csrf)}<button type="submit">${m.approve}</button></form>`
                : html`<p class="hint">${m.notHolderNote}</p>`;
        return html`<li data-request="${p.id}"><p>${fill(m.requestFor, { name: p.target_name, by: p.requester_name ?? '—', at: formatTime(d.lang, p.created_at, '') })}</p>
<p>${fill(m.approvals, { k: p.approvedBy.length, m: d.key?.threshold ?? 0 })}</p>${action}</li>`;
      })}</ul>`
}</section>`;
}

export function recoveryPageView(t: Messages, d: RecoveryPageData): SafeHtml {
  const m = recoveryMessages(d.lang);
  const k = d.key;
  return html`<h1>${m.title}</h1>${flashBox(d.flash)}
<p>${m.intro}</p>
${
  k
    ? html`<p data-testid="recovery-state">${fill(m.active, { at: formatTime(d.lang, k.createdAt, ''), m: k.threshold, n: k.shareCount })}</p>
<h2>${m.holders}</h2><ul>${k.holders.map((h) => html`<li>${h.displayName}${h.current ? '' : html` ${m.holderStale}`}</li>`)}</ul>`
    : html`<p data-testid="recovery-state">${m.none}</p>`
}
${
  k
    ? html`<section aria-labelledby="protect-h"><h2 id="protect-h">${m.protectTitle}</h2><p class="hint">${m.protectHint}</p>
<form method="post" action="/admin/recovery/protect">${hiddenCsrf(d.csrf)}<button type="submit">${m.protect}</button></form></section>`
    : ''
}
${k && d.canRequest ? html`${requestForm(t, m, d)}${pendingList(m, d)}` : ''}
${d.isAdmin ? setUpForm(t, m, d) : ''}`;
}
