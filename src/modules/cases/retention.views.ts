/** /admin/retention (the rules) and /admin/cases/:id/hold (the legal hold of one case). */
import type { CaseOutcome } from '../../platform/db/schema.ts';
import { errorSummary, type FieldErrors, hiddenCsrf, labelledField } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { catalogue, fill, type Lang, messages } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import { formatMoment, subPageHeader } from './guard.ts';
import { caseLabels } from './labels.ts';
import {
  HOLD_REASON_MAX,
  HOLD_REASON_MIN,
  RETENTION_MAX_DAYS,
  RETENTION_MIN_DAYS,
} from './retention.service.ts';

const en = {
  title: 'Retention',
  intro:
    'How long a concluded case is kept, by outcome, counted from its conclusion. When the time is up the case is destroyed: its content, files and keys. Only non-identifying statistics remain (channel, kind, day registered, how long each step took, outcome).',
  rules: [
    'The person assigned is warned 14 days before a case is destroyed.',
    'If the reporter writes in their mailbox after the conclusion, the case is kept at least 30 days after their last message.',
    'A case under legal hold is never destroyed until the hold is cleared.',
    'A change applies to cases concluded after it; cases already concluded keep their date.',
  ],
  outcome: 'Outcome',
  days: 'Days kept',
  daysHint: 'Between {min} and {max} days.',
  save: 'Save',
  saved: 'Retention periods saved.',
  unchanged: 'Nothing was changed.',
  stale:
    'Someone else changed these periods while you were editing; your numbers are kept below. Check them and save again.',
  badDays: 'Enter a whole number of days between {min} and {max}.',
  lastChanged: 'last changed {when}',
  holdTitle: 'Legal hold',
  holdOn: 'This case is under legal hold: it will not be destroyed, whatever its retention period says.',
  holdOff: 'This case is not under legal hold.',
  purgeAfter: 'Retention ends {when}.',
  noPurge: 'No retention date yet (the case is not concluded).',
  reason: 'Reason',
  reasonHint:
    'Between {min} and {max} characters, for example the proceedings that require keeping the case. Kept sealed with the case as an internal note.',
  set: 'Place under legal hold',
  clear: 'Clear the legal hold',
  holdSet: 'The case is under legal hold.',
  holdCleared: 'The legal hold was cleared.',
  holdStale:
    'Someone else changed this case while you were editing; your text is kept below. Check the hold’s state and send again.',
  holdUnchanged: 'The hold was already in that state; your text is kept below.',
};

const zh: typeof en = {
  title: '保存期限',
  intro:
    '已结案案件按结论分别保存的时间，自结案时起算。期满后案件将被销毁：其内容、文件和密钥。仅保留不可识别身份的统计数据（渠道、类型、登记日期、各环节用时、结论）。',
  rules: [
    '案件销毁前 14 天会提醒负责人。',
    '如举报人在结案后仍在信箱中留言，案件至少保留至其最后一条消息后 30 天。',
    '处于法律保留状态的案件在解除保留前不会被销毁。',
    '修改只适用于此后结案的案件；已结案案件的日期不变。',
  ],
  outcome: '结论',
  days: '保存天数',
  daysHint: '{min} 至 {max} 天。',
  save: '保存',
  saved: '保存期限已保存。',
  unchanged: '没有任何更改。',
  stale: '在您编辑期间，其他人更改了这些期限；您输入的数字保留在下方。请检查后再次保存。',
  badDays: '请输入 {min} 至 {max} 之间的整数天数。',
  lastChanged: '最后修改于 {when}',
  holdTitle: '法律保留',
  holdOn: '此案件处于法律保留状态：无论保存期限如何，都不会被销毁。',
  holdOff: '此案件未处于法律保留状态。',
  purgeAfter: '保存期限届满于 {when}。',
  noPurge: '尚无保存期限（案件尚未结案）。',
  reason: '理由',
  reasonHint: '{min} 至 {max} 个字符，例如要求保留案件的程序。作为内部备注随案件密封保存。',
  set: '设置法律保留',
  clear: '解除法律保留',
  holdSet: '案件已处于法律保留状态。',
  holdCleared: '已解除法律保留。',
  holdStale: '在您编辑期间，其他人更改了此案件；您的文字保留在下方。请检查保留状态后再次提交。',
  holdUnchanged: '保留状态已是如此；您的文字保留在下方。',
};

export const retentionMessages = catalogue({ en, 'zh-CN': zh });

export interface RuleRow {
  outcome: CaseOutcome;
  days: string;
  version: string;
  updatedAt: number | undefined;
}

export function retentionPageView(
  lang: Lang,
  csrf: string,
  rows: RuleRow[],
  o: { flash?: Flash | undefined; errors: FieldErrors },
): SafeHtml {
  const m = retentionMessages(lang);
  const outcomes = caseLabels(lang).outcome;
  const labels = Object.fromEntries(rows.map((r) => [`days-${r.outcome}`, outcomes[r.outcome]]));
  return html`<h1>${m.title}</h1>
${flashBox(o.flash)}
${errorSummary(messages(lang), o.errors, labels)}
<p>${m.intro}</p>
<ul>${m.rules.map((r) => html`<li>${r}</li>`)}</ul>
<form method="post" action="/admin/retention" class="stack" novalidate>
${hiddenCsrf(csrf)}
${rows.map(
  (r) => html`${labelledField(
    {
      name: `days-${r.outcome}`,
      label: outcomes[r.outcome],
      hint: `${fill(m.daysHint, { min: RETENTION_MIN_DAYS, max: RETENTION_MAX_DAYS })}${r.updatedAt ? ` (${fill(m.lastChanged, { when: formatMoment(lang, r.updatedAt) })})` : ''}`,
      error: o.errors[`days-${r.outcome}`],
    },
    (id, aria) =>
      html`<input id="${id}" name="days.${r.outcome}" type="text" inputmode="numeric" value="${r.days}" maxlength="6"${aria}>`,
  )}
<input type="hidden" name="version.${r.outcome}" value="${r.version}">`,
)}
<div class="actions"><button type="submit">${m.save}</button></div>
</form>`;
}

export function holdPageView(
  lang: Lang,
  csrf: string,
  c: { reportId: string; reference: string; version: number; legalHold: boolean; purgeAfter: number | null },
  o: { reason: string; errors: FieldErrors; flash?: Flash | undefined },
): SafeHtml {
  const m = retentionMessages(lang);
  return html`${subPageHeader(lang, c.reportId, c.reference, m.holdTitle)}
${flashBox(o.flash)}
${errorSummary(messages(lang), o.errors, { reason: m.reason })}
<p><strong>${c.legalHold ? m.holdOn : m.holdOff}</strong></p>
<p>${c.purgeAfter ? fill(m.purgeAfter, { when: formatMoment(lang, c.purgeAfter) }) : m.noPurge}</p>
<form method="post" action="/admin/cases/${c.reportId}/hold" class="stack" novalidate>
${hiddenCsrf(csrf)}
<input type="hidden" name="version" value="${c.version}">
<input type="hidden" name="on" value="${c.legalHold ? '0' : '1'}">
${labelledField(
  {
    name: 'reason',
    label: m.reason,
    hint: fill(m.reasonHint, { min: HOLD_REASON_MIN, max: HOLD_REASON_MAX }),
    error: o.errors.reason,
  },
  (id, aria) =>
    html`<textarea id="${id}" name="reason" rows="4" maxlength="${HOLD_REASON_MAX}" required${aria}>${o.reason}</textarea>`,
)}
<div class="actions"><button type="submit">${c.legalHold ? m.clear : m.set}</button></div>
</form>`;
}
