/** Views of the admin pages for channels and their recipients (plain data in, HTML out). */
import {
  errorSummary,
  type FieldErrors,
  hiddenCsrf,
  labelledField,
  textField,
} from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill, type Lang, type Messages } from '../../platform/views/i18n/index.ts';
import { type Flash, flashBox } from '../../platform/views/layout.ts';
import { formatTime } from '../accounts/staff.views.ts';
import { textArea } from '../law/forms.ts';
import type { ChannelValues } from './admin.forms.ts';
import type { AdminMessages } from './admin.messages.ts';
import type { StaffOption } from './channels.repository.ts';
import type { ChannelBlock, ChannelView, RecipientView } from './channels.service.ts';
import type { QuestionnaireSummary } from './questionnaires.service.ts';

export interface Choice {
  value: string;
  label: string;
  hint?: string;
}

/** A group of radio buttons in a fieldset, its legend, hint and error tied to it. */
export function radios(o: {
  name: string;
  legend: string;
  value: string;
  choices: Choice[];
  hint?: string;
  error?: string;
}): SafeHtml {
  const id = `f-${o.name}`;
  const describedBy = [o.hint ? `${id}-hint` : '', o.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<fieldset id="${id}"${describedBy ? html` aria-describedby="${describedBy}"` : ''}>
<legend>${o.legend}</legend>
${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
${o.error ? html`<p class="field-error" id="${id}-error">${o.error}</p>` : ''}
<div class="checks">${o.choices.map(
    (c) =>
      html`<label><input type="radio" name="${o.name}" value="${c.value}"${c.value === o.value ? html` checked` : ''}> ${c.label}</label>`,
  )}</div>
</fieldset>`;
}

/** A labelled select; the first option is an empty prompt. */
export function select(o: {
  name: string;
  label: string;
  value: string;
  choices: Choice[];
  prompt: string;
  hint?: string;
  error?: string;
}): SafeHtml {
  return labelledField(
    o,
    (id, aria) => html`<select id="${id}" name="${o.name}"${aria}>
<option value="">${o.prompt}</option>
${o.choices.map((c) => html`<option value="${c.value}"${c.value === o.value ? html` selected` : ''}>${c.label}</option>`)}
</select>`,
  );
}

export function blockList(m: AdminMessages, blocks: readonly ChannelBlock[]): SafeHtml {
  return html`<ul>${blocks.map((b) => html`<li>${m.blocks[b]}</li>`)}</ul>`;
}

function recipientLine(m: AdminMessages, r: RecipientView): SafeHtml {
  return html`<li>${r.displayName} <span class="tag" data-state="${r.state}">${m.recipientStates[r.state]}</span></li>`;
}

function questionnaireLink(lang: Lang, m: AdminMessages, q: QuestionnaireSummary): SafeHtml {
  return html`<li><a href="/admin/questionnaires/${q.id}">${q.title?.[lang] ?? q.id}</a> <span class="tag">${m.kinds[q.kind]}</span>${q.status === 'retired' ? html` <span class="tag">${m.retired}</span>` : ''}</li>`;
}

/** The state of one channel: accepting, or not and every reason why. */
export function channelState(m: AdminMessages, c: ChannelView): SafeHtml {
  if (c.accepting)
    return html`<p data-testid="channel-state" data-accepting="yes"><strong>${m.accepting}</strong></p>`;
  return html`<div data-testid="channel-state" data-accepting="no"><p><strong>${m.notAccepting}</strong></p><p>${m.because}</p>${blockList(m, c.blocks)}</div>`;
}

export function channelListView(
  m: AdminMessages,
  lang: Lang,
  v: { channels: ChannelView[]; flash?: Flash },
): SafeHtml {
  const noneAccepting = !v.channels.some((c) => c.accepting);
  return html`<h1>${m.channelsTitle}</h1>
${flashBox(v.flash)}
${noneAccepting ? html`<div class="banner" role="status" data-testid="none-accepting"><p>${m.noneAccepting}</p></div>` : ''}
<p>${m.channelsIntro}</p>
<p class="actions"><a class="button" href="/admin/channels/new">${m.newChannel}</a> <a class="button secondary" href="/admin/questionnaires">${m.manageQuestionnaires}</a></p>
${v.channels.length === 0 ? html`<p>${m.noChannels}</p>` : ''}
${
  v.channels.length === 0
    ? ''
    : html`<div class="table-wrap"><table class="responsive">
<thead><tr><th scope="col">${m.name}</th><th scope="col">${m.status}</th><th scope="col">${m.state}</th><th scope="col">${m.recipients}</th><th scope="col">${m.deadlines}</th><th scope="col">${m.questionnaires}</th></tr></thead>
<tbody>${v.channels.map(
        (c) => html`<tr data-channel="${c.id}">
<td data-label="${m.name}"><a href="/admin/channels/${c.id}">${c.name[lang]}</a><br><span class="mono">${c.id}</span>${lang === 'en' ? '' : html`<br><span lang="en">${c.name.en}</span>`}${lang === 'en' ? html`<br><span lang="zh-CN">${c.name['zh-CN']}</span>` : ''}</td>
<td data-label="${m.status}">${c.status === 'open' ? m.open : m.closed}</td>
<td data-label="${m.state}">${channelState(m, c)}</td>
<td data-label="${m.recipients}">${c.recipients.length === 0 ? m.none : html`<ul class="plain">${c.recipients.map((r) => recipientLine(m, r))}</ul>`}</td>
<td data-label="${m.deadlines}">${fill(m.deadlineText, { ack: c.ackDays, feedback: c.feedbackDays })}</td>
<td data-label="${m.questionnaires}">${c.questionnaires.length === 0 ? m.none : html`<ul class="plain">${c.questionnaires.map((q) => questionnaireLink(lang, m, q))}</ul>`}</td>
</tr>`,
      )}</tbody></table></div>`
}`;
}

export function channelLabels(m: AdminMessages): Record<string, string> {
  return {
    id: m.fieldId,
    nameZh: m.fieldNameZh,
    nameEn: m.fieldNameEn,
    descriptionZh: m.fieldDescriptionZh,
    descriptionEn: m.fieldDescriptionEn,
    ackDays: m.fieldAckDays,
    feedbackDays: m.fieldFeedbackDays,
    maxPerMinute: m.fieldMaxPerMinute,
    position: m.fieldPosition,
    status: m.fieldStatus,
  };
}

/** The channel form (new when `channelId` is undefined). */
export function channelForm(
  t: Messages,
  m: AdminMessages,
  v: { csrf: string; channelId?: string; values: ChannelValues; errors: FieldErrors },
): SafeHtml {
  const labels = channelLabels(m);
  const e = v.errors;
  const num = (name: keyof ChannelValues, hint: string) =>
    textField({
      name,
      label: labels[name]!,
      value: v.values[name],
      error: e[name],
      hint,
      inputMode: 'numeric',
      required: true,
      maxLength: 9,
    });
  return html`${errorSummary(t, e, labels)}
<form method="post" action="${v.channelId ? `/admin/channels/${v.channelId}` : '/admin/channels'}" class="stack" novalidate>
${hiddenCsrf(v.csrf)}
${v.channelId ? html`<input type="hidden" name="version" value="${v.values.version}">` : textField({ name: 'id', label: m.fieldId, value: v.values.id, error: e.id, hint: m.idHint, required: true, maxLength: 40, autocomplete: 'off' })}
${textField({ name: 'nameZh', label: m.fieldNameZh, value: v.values.nameZh, error: e.nameZh, required: true, maxLength: 120 })}
${textField({ name: 'nameEn', label: m.fieldNameEn, value: v.values.nameEn, error: e.nameEn, required: true, maxLength: 120 })}
${textArea({ name: 'descriptionZh', label: m.fieldDescriptionZh, value: v.values.descriptionZh, error: e.descriptionZh, hint: m.descriptionHint, rows: 3, maxLength: 1000, lang: 'zh-CN' })}
${textArea({ name: 'descriptionEn', label: m.fieldDescriptionEn, value: v.values.descriptionEn, error: e.descriptionEn, hint: m.descriptionHint, rows: 3, maxLength: 1000, lang: 'en' })}
${num('ackDays', m.ackHint)}
${num('feedbackDays', m.feedbackHint)}
${num('maxPerMinute', m.maxHint)}
${num('position', m.positionHint)}
${radios({
  name: 'status',
  legend: m.fieldStatus,
  value: v.values.status,
  hint: m.statusHint,
  error: e.status,
  choices: [
    { value: 'closed', label: m.closed },
    { value: 'open', label: m.open },
  ],
})}
<div class="actions"><button type="submit">${v.channelId ? m.save : m.create}</button><a href="/admin/channels">${m.cancel}</a></div>
</form>`;
}

/** Why opening was refused, next to the form. */
export function cannotOpenBox(m: AdminMessages, blocks: readonly ChannelBlock[], isNew: boolean): SafeHtml {
  return html`<div class="flash flash-error" role="alert" data-testid="cannot-open"><p>${isNew ? m.cannotOpenNew : m.cannotOpen}</p>${isNew ? '' : blockList(m, blocks)}</div>`;
}

function savedNow(m: AdminMessages, c: ChannelView): SafeHtml {
  return html`<section class="review-note" data-testid="saved-now"><h2>${m.savedNow}</h2>
<dl class="facts">
<dt>${m.fieldNameZh}</dt><dd>${c.name['zh-CN']}</dd>
<dt>${m.fieldNameEn}</dt><dd>${c.name.en}</dd>
<dt>${m.fieldDescriptionZh}</dt><dd class="pre">${c.description['zh-CN']}</dd>
<dt>${m.fieldDescriptionEn}</dt><dd class="pre">${c.description.en}</dd>
<dt>${m.deadlines}</dt><dd>${fill(m.deadlineText, { ack: c.ackDays, feedback: c.feedbackDays })}</dd>
<dt>${m.fieldMaxPerMinute}</dt><dd>${c.maxPerMinute}</dd>
<dt>${m.fieldPosition}</dt><dd>${c.position}</dd>
<dt>${m.fieldStatus}</dt><dd>${c.status === 'open' ? m.open : m.closed}</dd>
</dl></section>`;
}

function recipientsSection(
  lang: Lang,
  m: AdminMessages,
  v: { csrf: string; channel: ChannelView; staff: StaffOption[]; recipientError?: string },
): SafeHtml {
  const c = v.channel;
  const base = `/admin/channels/${c.id}/recipients`;
  const candidates = v.staff.filter((s) => !c.recipients.some((r) => r.staffId === s.id));
  const keyNote = (s: StaffOption) =>
    s.status === 'invited'
      ? m.recipientStates.invited
      : s.hasKey
        ? m.recipientStates.ready
        : m.recipientStates['no-key'];
  return html`<section aria-labelledby="recipients-h"><h2 id="recipients-h">${m.recipients}</h2>
<p>${m.recipientsIntro}</p>
${v.recipientError ? html`<div class="flash flash-error" role="alert" data-testid="recipient-error">${v.recipientError}</div>` : ''}
${
  c.recipients.length === 0
    ? html`<p>${m.noRecipients}</p>`
    : html`<div class="table-wrap"><table class="responsive">
<thead><tr><th scope="col">${m.staffMember}</th><th scope="col">${m.keyColumn}</th><th scope="col">${m.notices}</th><th scope="col">${m.added}</th><th scope="col">${m.remove}</th></tr></thead>
<tbody>${c.recipients.map(
        (r) => html`<tr data-recipient="${r.staffId}">
<td data-label="${m.staffMember}">${r.displayName} <span class="mono">${r.username}</span></td>
<td data-label="${m.keyColumn}"><span class="tag" data-state="${r.state}">${m.recipientStates[r.state]}</span></td>
<td data-label="${m.notices}">${r.email ?? m.noEmail}</td>
<td data-label="${m.added}">${formatTime(lang, r.addedAt, '')}</td>
<td><form method="post" action="${base}/remove" class="inline-form">${hiddenCsrf(v.csrf)}<input type="hidden" name="staffId" value="${r.staffId}"><button type="submit" class="secondary" aria-label="${fill(m.removeLabel, { name: r.displayName })}">${m.remove}</button></form></td>
</tr>`,
      )}</tbody></table></div>`
}
<h3>${m.addRecipient}</h3>
${
  candidates.length === 0
    ? html`<p>${m.noStaffLeft}</p>`
    : html`<form method="post" action="${base}" class="stack" novalidate>${hiddenCsrf(v.csrf)}
${select({ name: 'staffId', label: m.staffMember, value: '', prompt: m.chooseStaff, choices: candidates.map((s) => ({ value: s.id, label: `${s.displayName} (${s.username}) — ${keyNote(s)}` })) })}
<div class="actions"><button type="submit">${m.addButton}</button></div></form>`
}
</section>`;
}

export function channelPageView(
  t: Messages,
  m: AdminMessages,
  lang: Lang,
  v: {
    csrf: string;
    channel: ChannelView;
    values: ChannelValues;
    errors: FieldErrors;
    staff: StaffOption[];
    flash?: Flash;
    refusal?: SafeHtml;
    stale?: boolean;
    recipientError?: string;
  },
): SafeHtml {
  const c = v.channel;
  return html`<p class="breadcrumbs"><a href="/admin/channels">${m.channelsTitle}</a></p>
<h1>${fill(m.channelTitle, { name: c.name[lang] })}</h1>
${flashBox(v.flash)}
${v.refusal ?? ''}
${channelState(m, c)}
${channelForm(t, m, { csrf: v.csrf, channelId: c.id, values: v.values, errors: v.errors })}
${v.stale ? savedNow(m, c) : ''}
${recipientsSection(lang, m, { csrf: v.csrf, channel: c, staff: v.staff, recipientError: v.recipientError })}
<section aria-labelledby="questionnaires-h"><h2 id="questionnaires-h">${m.questionnaires}</h2>
${c.questionnaires.length === 0 ? html`<p>${m.none}</p>` : html`<ul>${c.questionnaires.map((q) => questionnaireLink(lang, m, q))}</ul>`}
<p><a href="/admin/questionnaires/new">${m.newQuestionnaire}</a></p></section>`;
}

export function newChannelView(
  t: Messages,
  m: AdminMessages,
  v: { csrf: string; values: ChannelValues; errors: FieldErrors; refusal?: SafeHtml },
): SafeHtml {
  return html`<p class="breadcrumbs"><a href="/admin/channels">${m.channelsTitle}</a></p>
<h1>${m.newChannelTitle}</h1>
${v.refusal ?? ''}
${channelForm(t, m, v)}`;
}
