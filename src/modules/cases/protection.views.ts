/** /admin/cases/:id/protection: the two protection flags and their checklists. */
import type { ProtectionFlag } from '../../platform/db/schema.ts';
import { hiddenCsrf } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { catalogue, fill, type Lang } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import { formatMoment, subPageHeader } from './guard.ts';
import { FLAGS, type ProtectionState } from './protection.service.ts';

const en = {
  title: 'Protection',
  intro:
    'Flags that tell everyone working on the case to take extra care, each with a checklist. Every change is recorded with who made it and when.',
  flags: {
    'reporter-at-risk': 'Reporter at risk',
    'protect-named': 'Protect the person named',
  } as Record<ProtectionFlag, string>,
  flagHints: {
    'reporter-at-risk':
      'The reporter may face retaliation. Setting this raises the case’s priority to at least high.',
    'protect-named':
      'The person the report is about is presumed innocent and must be protected until a conclusion.',
  } as Record<ProtectionFlag, string>,
  on: 'Set',
  off: 'Not set',
  set: 'Set this flag',
  clear: 'Clear this flag',
  checklist: 'Checklist',
  saveChecklist: 'Save the checklist',
  doneBy: 'ticked by {who}, {when}',
  items: {
    'risk-assessed': 'Risk of retaliation assessed',
    'fewest-know-identity': 'The reporter’s identity is known only to the fewest people possible',
    'safe-contact': 'A safe way to contact the reporter agreed',
    'interim-measures': 'Interim protective measures considered',
    'review-date': 'A date set to review the risk',
    'presumption-of-innocence': 'Presumption of innocence recorded',
    'need-to-know': 'Access limited to those who need to know',
    'heard-before-conclusion': 'The person will be heard before any conclusion',
    'nothing-identifying-outgoing': 'Nothing identifying them in outgoing communication',
    'purge-if-unsubstantiated': 'Their data purged if the report is unsubstantiated',
  } as Record<string, string>,
  flashes: {
    saved: 'Saved.',
  } as Record<string, string>,
  stale:
    'Someone else changed this case while you were editing; your choices are kept below. Check them and save again.',
  invalid: 'That was not one of the choices offered.',
};

const zh: typeof en = {
  title: '保护措施',
  intro: '提醒所有处理此案件的人员格外谨慎的标记，各附检查清单。每项更改都会记录操作人和时间。',
  flags: { 'reporter-at-risk': '举报人面临风险', 'protect-named': '保护被举报人' },
  flagHints: {
    'reporter-at-risk': '举报人可能遭受打击报复。设置此标记会将案件优先级至少提高到“高”。',
    'protect-named': '被举报人在结论作出前被推定无辜，必须受到保护。',
  },
  on: '已设置',
  off: '未设置',
  set: '设置此标记',
  clear: '取消此标记',
  checklist: '检查清单',
  saveChecklist: '保存检查清单',
  doneBy: '由 {who} 于 {when} 勾选',
  items: {
    'risk-assessed': '已评估遭受打击报复的风险',
    'fewest-know-identity': '举报人身份仅限尽可能少的人知悉',
    'safe-contact': '已约定与举报人联系的安全方式',
    'interim-measures': '已考虑临时保护措施',
    'review-date': '已确定风险复查日期',
    'presumption-of-innocence': '已记录无罪推定',
    'need-to-know': '访问权限仅限确有需要的人员',
    'heard-before-conclusion': '作出任何结论前将听取其陈述',
    'nothing-identifying-outgoing': '对外通信中不含可识别其身份的信息',
    'purge-if-unsubstantiated': '如举报未能证实，将清除其数据',
  },
  flashes: { saved: '已保存。' },
  stale: '在您编辑期间，其他人更改了此案件；您的选择保留在下方。请检查后再次保存。',
  invalid: '这不是所提供的选项之一。',
};

export const protectionMessages = catalogue({ en, 'zh-CN': zh });

export function protectionPageView(
  lang: Lang,
  csrf: string,
  s: ProtectionState,
  o: { flash?: Flash | undefined; kept?: { flag: ProtectionFlag; ticked: ReadonlySet<string> } },
): SafeHtml {
  const m = protectionMessages(lang);
  const base = `/admin/cases/${s.reportId}/protection`;
  return html`${subPageHeader(lang, s.reportId, s.reference, m.title)}
${flashBox(o.flash)}
<p>${m.intro}</p>
${FLAGS.map((flag) => {
  const f = s.flags[flag];
  const kept = o.kept?.flag === flag ? o.kept.ticked : undefined;
  return html`<section class="protection-flag${f.on ? ' flag-on' : ''}" aria-labelledby="h-${flag}">
<h2 id="h-${flag}">${m.flags[flag]} <span class="badge">${f.on ? m.on : m.off}</span></h2>
<p class="hint">${m.flagHints[flag]}</p>
<form method="post" action="${base}" class="inline-form">
${hiddenCsrf(csrf)}
<input type="hidden" name="flag" value="${flag}">
<input type="hidden" name="version" value="${s.version}">
<input type="hidden" name="on" value="${f.on ? '0' : '1'}">
<button type="submit"${f.on ? html` class="secondary"` : ''}>${f.on ? m.clear : m.set}</button>
</form>
<form method="post" action="${base}/checklist" class="stack">
${hiddenCsrf(csrf)}
<input type="hidden" name="flag" value="${flag}">
<input type="hidden" name="version" value="${s.version}">
<fieldset><legend>${m.checklist}</legend>
${f.items.map((i) => {
  const checked = kept ? kept.has(i.item) : i.doneAt !== undefined;
  const id = `f-${flag}-${i.item}`;
  return html`<div class="checkbox"><input type="checkbox" id="${id}" name="items" value="${i.item}"${checked ? html` checked` : ''}>
<label for="${id}">${m.items[i.item] ?? i.item}</label>${i.doneAt !== undefined ? html` <span class="hint">(${fill(m.doneBy, { who: i.doneBy ?? '—', when: formatMoment(lang, i.doneAt) })})</span>` : ''}</div>`;
})}
</fieldset>
<div class="actions"><button type="submit" class="secondary">${m.saveChecklist}</button></div>
</form>
</section>`;
})}`;
}
