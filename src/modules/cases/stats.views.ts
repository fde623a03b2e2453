/**
 * /admin/stats: a filter form, then for each measure an inline SVG chart (role="img", a title and
 * a description, text labels on every row, no meaning carried by colour) with the same numbers in
 * a table beside it. Suppressed counts (stats.tables.ts) are shown as "< n" and never drawn.
 */
import { errorSummary, type FieldErrors, labelledField } from '../../platform/views/forms.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill, type Lang, type Messages } from '../../platform/views/i18n/index.ts';
import type { Median } from './stats.repository.ts';
import type { Cell, Rate, Table } from './stats.tables.ts';

const en = {
  title: 'Statistics',
  intro:
    'Counts by month of registration, including cases already purged (only their non-identifying statistics remain). Counts below {min} are shown as “< {min}” and not drawn; where a hidden count could be worked out from a total, another count in that row or column is hidden too.',
  from: 'From month',
  to: 'To month',
  monthHint: 'YYYY-MM',
  channel: 'Channel',
  allChannels: 'All channels',
  show: 'Show',
  byChannel: 'Reports by channel',
  byCategory: 'Reports by category',
  byOutcome: 'Reports by outcome',
  open: 'Not concluded',
  month: 'Month',
  total: 'Total',
  chartDesc:
    'One row of monthly bars per {what}, from {from} to {to}; bar height is the number of reports that month. Counts below {min} are not drawn. The table that follows gives every number.',
  what: { channel: 'channel', category: 'category', outcome: 'outcome' } as Record<string, string>,
  times: 'Median times',
  timesDesc:
    'Median days from registration to each step, one labelled bar per step. The table that follows gives the numbers.',
  step: 'Step',
  median: 'Median',
  cases: 'Cases',
  acknowledge: 'To acknowledge',
  firstReply: 'To first reply',
  conclude: 'To conclude',
  days: '{n} days',
  noData: 'no data',
  compliance: 'Deadline compliance',
  complianceDesc:
    'Share of cases that met each deadline, one labelled bar per deadline. The table that follows gives the numbers.',
  deadline: 'Deadline',
  onTime: 'On time',
  share: 'Share',
  ackDeadline: 'Acknowledged within the deadline',
  feedbackDeadline: 'Feedback (first reply or conclusion) within the deadline',
  complianceNote:
    'Counted among cases whose deadline has passed or that met it; cases still within their deadline are not counted yet.',
  suppressed: 'hidden (too few)',
  errors: {
    month: 'Enter a month as YYYY-MM.',
    order: 'The first month must not be after the last.',
    range: 'Choose at most 60 months.',
    channel: 'Choose a channel from the list.',
  },
};
type StatsMessages = typeof en;
const zh: StatsMessages = {
  title: '统计',
  intro:
    '按登记月份统计，包括已清除的案件（仅保留其不可识别身份的统计数据）。少于 {min} 的数字显示为“< {min}”且不绘制；若可通过合计推算出被隐藏的数字，同一行或列中的另一个数字也会被隐藏。',
  from: '起始月份',
  to: '截止月份',
  monthHint: 'YYYY-MM',
  channel: '渠道',
  allChannels: '全部渠道',
  show: '显示',
  byChannel: '按渠道统计的举报',
  byCategory: '按类别统计的举报',
  byOutcome: '按结论统计的举报',
  open: '未结案',
  month: '月份',
  total: '合计',
  chartDesc:
    '每个{what}一行月度柱形，从 {from} 到 {to}；柱高为当月举报数。少于 {min} 的数字不绘制。下表列出全部数字。',
  what: { channel: '渠道', category: '类别', outcome: '结论' },
  times: '中位用时',
  timesDesc: '从登记到各步骤的中位天数，每个步骤一条带标签的柱形。下表列出数字。',
  step: '步骤',
  median: '中位数',
  cases: '案件数',
  acknowledge: '至确认',
  firstReply: '至首次答复',
  conclude: '至结案',
  days: '{n} 天',
  noData: '无数据',
  compliance: '期限遵守情况',
  complianceDesc: '满足各项期限的案件比例，每项期限一条带标签的柱形。下表列出数字。',
  deadline: '期限',
  onTime: '按时',
  share: '比例',
  ackDeadline: '在期限内确认',
  feedbackDeadline: '在期限内反馈（首次答复或结案）',
  complianceNote: '仅统计期限已过或已满足期限的案件；仍在期限内的案件暂不计入。',
  suppressed: '已隐藏（数量过少）',
  errors: {
    month: '请按 YYYY-MM 格式输入月份。',
    order: '起始月份不能晚于截止月份。',
    range: '最多选择 60 个月。',
    channel: '请从列表中选择渠道。',
  },
};
export const statsMessages = (lang: Lang): StatsMessages => (lang === 'en' ? en : zh);

export interface StatsView {
  lang: Lang;
  min: number;
  values: { from: string; to: string; channel: string };
  errors: FieldErrors;
  channels: { id: string; name: string }[];
  tables?: { channel: Table; category: Table; outcome: Table };
  medians?: { acknowledge: Median; firstReply: Median; conclude: Median };
  compliance?: { ack: Rate; feedback: Rate };
}

const cellText = (c: Cell, min: number) => (c.hidden ? `< ${min}` : String(c.value));

function countTableHtml(id: string, caption: string, t: Table, m: StatsMessages, min: number): SafeHtml {
  return html`<div class="table-wrap" role="region" aria-labelledby="${id}-caption" tabindex="0"><table class="stats-table" data-testid="${id}-table">
<caption id="${id}-caption">${caption}</caption>
<thead><tr><th scope="col">${m.month}</th>${t.series.map((s) => html`<th scope="col">${s.label}</th>`)}<th scope="col">${m.total}</th></tr></thead>
<tbody>${t.months.map(
    (month, r) =>
      html`<tr><th scope="row">${month}</th>${t.rows[r]!.map((c) => html`<td${c.hidden ? html` class="suppressed"` : ''}>${cellText(c, min)}</td>`)}<td>${cellText(t.rowTotals[r]!, min)}</td></tr>`,
  )}</tbody>
<tfoot><tr><th scope="row">${m.total}</th>${t.columnTotals.map((c) => html`<td>${cellText(c, min)}</td>`)}<td>${cellText(t.total, min)}</td></tr></tfoot>
</table></div>`;
}

const LABEL_W = 170;
const ROW_H = 34;

/** Small multiples: one labelled row of monthly bars per series, on one shared scale. */
function seriesChart(id: string, title: string, desc: string, t: Table): SafeHtml {
  const barW = Math.max(8, Math.min(40, Math.floor(560 / Math.max(1, t.months.length))));
  const width = LABEL_W + barW * t.months.length + 10;
  const height = ROW_H * t.series.length + 30;
  const max = Math.max(
    1,
    ...t.rows
      .flat()
      .filter((c) => !c.hidden)
      .map((c) => c.value),
  );
  const rows = t.series.map((s, si) => {
    const y0 = si * ROW_H;
    const bars = t.months.map((month, mi) => {
      const c = t.rows[mi]![si]!;
      if (c.hidden || c.value === 0) return '';
      const h = Math.max(1, Math.round((c.value / max) * (ROW_H - 8)));
      return html`<rect class="chart-bar" fill="#1f4e79" x="${LABEL_W + mi * barW + 1}" y="${y0 + ROW_H - 4 - h}" width="${barW - 2}" height="${h}"><title>${s.label}, ${month}: ${c.value}</title></rect>`;
    });
    return html`<text x="0" y="${y0 + ROW_H - 8}" font-size="12" fill="#222">${s.label.length > 26 ? `${s.label.slice(0, 25)}…` : s.label}</text>
<line x1="${LABEL_W}" x2="${width - 10}" y1="${y0 + ROW_H - 4}" y2="${y0 + ROW_H - 4}" stroke="#767676" stroke-width="1"/>${bars}`;
  });
  const axis = t.months.map((month, mi) =>
    mi === 0 || month.endsWith('-01') || t.months.length <= 12
      ? html`<text x="${LABEL_W + mi * barW + barW / 2}" y="${height - 8}" font-size="10" text-anchor="middle" fill="#222">${t.months.length <= 12 ? month.slice(2) : month}</text>`
      : '',
  );
  return svg(id, title, desc, width, height, html`${rows}${axis}`);
}

function svg(
  id: string,
  title: string,
  desc: string,
  width: number,
  height: number,
  body: SafeHtml,
): SafeHtml {
  // Wrapped so that on a phone the chart keeps a readable size and scrolls by itself, not the page.
  return html`<div class="chart-scroll" role="region" aria-labelledby="${id}-title" tabindex="0"><svg class="stats-chart" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">${title}</title><desc id="${id}-desc">${desc}</desc>${body}</svg></div>`;
}

/** Horizontal labelled bars (medians, compliance): the label and value are written as text. */
function barList(
  id: string,
  title: string,
  desc: string,
  bars: { label: string; value: number | null; text: string }[],
  max: number,
): SafeHtml {
  const width = 640;
  const height = bars.length * ROW_H + 10;
  const scale = 300 / Math.max(1e-9, max);
  const body = bars.map((b, i) => {
    const y = i * ROW_H + 6;
    const w = b.value === null ? 0 : Math.max(1, Math.round(b.value * scale));
    return html`<text x="0" y="${y + 16}" font-size="12" fill="#222">${b.label.length > 40 ? `${b.label.slice(0, 39)}…` : b.label}</text>
${w > 0 ? html`<rect class="chart-bar" fill="#1f4e79" x="${260}" y="${y + 4}" width="${w}" height="16"/>` : ''}
<text x="${260 + w + 6}" y="${y + 16}" font-size="12" fill="#222">${b.text}</text>`;
  });
  return svg(id, title, desc, width, height, html`${body}`);
}

const dayText = (m: StatsMessages, ms: number) => fill(m.days, { n: (ms / 86_400_000).toFixed(1) });

function mediansHtml(m: StatsMessages, md: NonNullable<StatsView['medians']>, min: number): SafeHtml {
  const steps: [string, Median][] = [
    [m.acknowledge, md.acknowledge],
    [m.firstReply, md.firstReply],
    [m.conclude, md.conclude],
  ];
  const shown = (x: Median) => x.ms !== null && x.n >= min;
  const text = (x: Median) => (x.ms === null ? m.noData : x.n < min ? m.suppressed : dayText(m, x.ms));
  const max = Math.max(1, ...steps.filter(([, x]) => shown(x)).map(([, x]) => x.ms!));
  const bars = steps.map(([label, x]) => ({ label, value: shown(x) ? x.ms : null, text: text(x) }));
  return html`<section class="stats-figure" aria-labelledby="times-h"><h2 id="times-h">${m.times}</h2>
${barList('times', m.times, m.timesDesc, bars, max)}
<div class="table-wrap"><table class="stats-table" data-testid="times-table"><caption>${m.times}</caption>
<thead><tr><th scope="col">${m.step}</th><th scope="col">${m.median}</th><th scope="col">${m.cases}</th></tr></thead>
<tbody>${steps.map(([label, x]) => html`<tr><th scope="row">${label}</th><td>${text(x)}</td><td>${x.n > 0 && x.n < min ? `< ${min}` : x.n}</td></tr>`)}</tbody></table></div></section>`;
}

function complianceHtml(m: StatsMessages, c: NonNullable<StatsView['compliance']>, min: number): SafeHtml {
  const rows: [string, Rate][] = [
    [m.ackDeadline, c.ack],
    [m.feedbackDeadline, c.feedback],
  ];
  const pct = (r: Rate) =>
    r.total === 0 ? m.noData : r.hidden ? m.suppressed : `${Math.round((100 * r.met) / r.total)}%`;
  const bars = rows.map(([label, r]) => ({
    label,
    value: r.hidden || r.total === 0 ? null : (100 * r.met) / r.total,
    text: pct(r),
  }));
  const count = (n: number) => (n > 0 && n < min ? `< ${min}` : String(n));
  return html`<section class="stats-figure" aria-labelledby="compliance-h"><h2 id="compliance-h">${m.compliance}</h2>
<p class="hint">${m.complianceNote}</p>
${barList('compliance', m.compliance, m.complianceDesc, bars, 100)}
<div class="table-wrap"><table class="stats-table" data-testid="compliance-table"><caption>${m.compliance}</caption>
<thead><tr><th scope="col">${m.deadline}</th><th scope="col">${m.onTime}</th><th scope="col">${m.cases}</th><th scope="col">${m.share}</th></tr></thead>
<tbody>${rows.map(([label, r]) => html`<tr><th scope="row">${label}</th><td>${r.hidden ? `< ${min}` : count(r.met)}</td><td>${r.hidden ? `< ${min}` : count(r.total)}</td><td>${pct(r)}</td></tr>`)}</tbody></table></div></section>`;
}

export function statsPageView(t: Messages, v: StatsView): SafeHtml {
  const m = statsMessages(v.lang);
  const e = v.errors;
  const monthField = (name: 'from' | 'to', label: string) =>
    labelledField(
      { name, label, hint: m.monthHint, error: e[name] },
      (id, aria) =>
        html`<input id="${id}" name="${name}" type="month" value="${v.values[name]}" maxlength="7" inputmode="numeric"${aria}>`,
    );
  const form = html`<form method="get" action="/admin/stats" class="stats-filter">
${errorSummary(t, e, { from: m.from, to: m.to, channel: m.channel })}
${monthField('from', m.from)}${monthField('to', m.to)}
${labelledField(
  { name: 'channel', label: m.channel, error: e.channel },
  (id, aria) => html`<select id="${id}" name="channel"${aria}><option value="">${m.allChannels}</option>
${v.channels.map((c) => html`<option value="${c.id}"${c.id === v.values.channel ? html` selected` : ''}>${c.name}</option>`)}</select>`,
)}
<button type="submit">${m.show}</button></form>`;
  const figure = (id: string, heading: string, what: string, table: Table) =>
    html`<section class="stats-figure" aria-labelledby="${id}-h"><h2 id="${id}-h">${heading}</h2>
${seriesChart(id, heading, fill(m.chartDesc, { what: m.what[what] ?? what, from: v.values.from, to: v.values.to, min: v.min }), table)}
${countTableHtml(id, heading, table, m, v.min)}</section>`;
  return html`<h1>${m.title}</h1><p>${fill(m.intro, { min: v.min })}</p>${form}
${
  v.tables
    ? html`${figure('by-channel', m.byChannel, 'channel', v.tables.channel)}
${figure('by-category', m.byCategory, 'category', v.tables.category)}
${figure('by-outcome', m.byOutcome, 'outcome', v.tables.outcome)}`
    : ''
}
${v.medians ? mediansHtml(m, v.medians, v.min) : ''}
${v.compliance ? complianceHtml(m, v.compliance, v.min) : ''}`;
}
