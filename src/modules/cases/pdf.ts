/**
 * One case as a PDF, for supervisors (pdf.routes.ts): its metadata, deadlines, labels, the
 * decrypted answers, the message thread, internal notes and the timeline. Never the reporter's
 * identity: that has its own gated page. pdfkit is loaded on first use, so a node that never
 * exports keeps its memory. Chinese text needs a CJK font; one is looked for on disk at first use.
 */
import fs from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import type { AppContext } from '../../app-context.ts';
import { open } from '../../platform/crypto/index.ts';
import type { Lang } from '../../platform/views/i18n/index.ts';
import { formatTime } from '../accounts/staff.views.ts';
import { openMessage } from '../reports/intake.service.ts';
import { reportsOf } from '../reports/module.ts';
import { type Answers, summarise } from '../reports/questionnaire.ts';
import type { CaseKeys } from './access.ts';
import { caseLabels } from './labels.ts';

/** Where CJK fonts live on common Linux installs, with the face to use inside a collection. */
const CJK_FONTS: { file: string; face?: string }[] = [
  { file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', face: 'NotoSansCJKsc-Regular' },
  { file: '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc', face: 'NotoSansCJKsc-Regular' },
  { file: '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc', face: 'NotoSansCJKsc-Regular' },
  { file: '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc', face: 'NotoSerifCJKsc-Regular' },
  { file: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', face: 'WenQuanYiMicroHei' },
  { file: '/usr/share/fonts/truetype/arphic/uming.ttc', face: 'AR PL UMing CN' },
  { file: '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf' },
];

let fontChoice: { file: string; face?: string } | null | undefined;
let warned = false;

/** The CJK font to embed, or null when none is installed (looked up once per process). */
export function cjkFont(candidates = CJK_FONTS): { file: string; face?: string } | null {
  if (fontChoice === undefined) fontChoice = candidates.find((c) => fs.existsSync(c.file)) ?? null;
  return fontChoice;
}

export interface CasePdfData {
  reference: string;
  channel: string;
  category: string;
  status: string;
  outcome: string | undefined;
  priority: string;
  labels: string[];
  dates: [string, number | null][];
  answers: { step: string; items: { label: string; value: string }[] }[];
  messages: { at: number; author: string; kind: string; text: string }[];
  notes: { at: number; author: string; text: string }[];
  timeline: { at: number; actor: string; kind: string; details: string }[];
}

const T = {
  en: {
    title: 'Case',
    channel: 'Channel',
    category: 'Category',
    status: 'Status',
    outcome: 'Outcome',
    priority: 'Priority',
    labels: 'Labels',
    none: '—',
    registered: 'Registered',
    received: 'Received',
    ackDue: 'Acknowledgement due',
    acknowledged: 'Acknowledged',
    firstReply: 'First reply',
    feedbackDue: 'Feedback due',
    concluded: 'Concluded',
    answers: 'Report',
    messages: 'Messages with the reporter',
    notes: 'Internal notes',
    timeline: 'Timeline',
    reporter: 'Reporter',
    system: 'System',
    generated: 'Exported {at}. Confidential: does not contain the reporter’s identity.',
    noCjk:
      'Note: no CJK font is installed on the server, so Chinese text could not be rendered in this file.',
  },
  'zh-CN': {
    title: '案件',
    channel: '渠道',
    category: '类别',
    status: '状态',
    outcome: '结论',
    priority: '优先级',
    labels: '标签',
    none: '—',
    registered: '登记时间',
    received: '收到时间',
    ackDue: '确认期限',
    acknowledged: '确认时间',
    firstReply: '首次答复',
    feedbackDue: '反馈期限',
    concluded: '结案时间',
    answers: '举报内容',
    messages: '与举报人的往来消息',
    notes: '内部备注',
    timeline: '时间线',
    reporter: '举报人',
    system: '系统',
    generated: '导出于 {at}。机密：不含举报人身份。',
    noCjk:
      'Note: no CJK font is installed on the server, so Chinese text could not be rendered in this file.',
  },
};

const textOf = (t: unknown, lang: Lang): string => {
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object') {
    const o = t as Record<string, unknown>;
    const v = o[lang] ?? o.en ?? o['zh-CN'];
    if (typeof v === 'string') return v;
  }
  return '';
};

/** Reads and opens everything the PDF shows (the keys come from the reader's own wrap). */
export async function loadCasePdf(
  ctx: AppContext,
  reportId: string,
  keys: CaseKeys,
  lang: Lang,
): Promise<CasePdfData | undefined> {
  const db = ctx.db;
  const r = await db.selectFrom('reports').selectAll().where('id', '=', reportId).executeTakeFirst();
  if (!r) return undefined;
  const s = reportsOf(ctx);
  const [snap, def, labelRows, messageRows, noteRows, eventRows] = await Promise.all([
    s.directory.snapshot(),
    s.directory.definitionAt(r.questionnaire_id, r.questionnaire_version),
    db.selectFrom('case_labels').select('label').where('report_id', '=', reportId).orderBy('label').execute(),
    db
      .selectFrom('report_messages as m')
      .leftJoin('staff as s', 's.id', 'm.staff_id')
      .select(['m.id', 'm.author', 'm.kind', 'm.sealed_body', 'm.created_at', 's.display_name'])
      .where('m.report_id', '=', reportId)
      .orderBy('m.created_at')
      .orderBy('m.id')
      .execute(),
    db
      .selectFrom('case_notes as n')
      .leftJoin('staff as s', 's.id', 'n.staff_id')
      .select(['n.id', 'n.sealed_body', 'n.created_at', 's.display_name'])
      .where('n.report_id', '=', reportId)
      .orderBy('n.created_at')
      .orderBy('n.id')
      .execute(),
    db
      .selectFrom('case_events')
      .select(['at', 'actor_label', 'kind', 'details'])
      .where('report_id', '=', reportId)
      .orderBy('id')
      .execute(),
  ]);
  const t = T[lang];
  const labels = caseLabels(lang);
  const body = JSON.parse(
    open(keys.contentKey, Buffer.from(r.sealed_answers), `report/${reportId}/answers`).toString('utf8'),
  ) as { answers: Answers };
  const channel = snap.channels.get(r.channel_id);
  const questionnaire = snap.questionnaires.get(r.questionnaire_id);
  return {
    reference: r.reference,
    channel: channel?.name[lang] ?? r.channel_id,
    category: (def ?? questionnaire?.definition)?.title[lang] ?? r.questionnaire_id,
    status: labels.status[r.status],
    outcome: r.outcome ? labels.outcome[r.outcome] : undefined,
    priority: labels.priority[r.priority] ?? String(r.priority),
    labels: labelRows.map((l) => l.label),
    dates: [
      [t.registered, r.registered_at],
      [t.received, r.received_at],
      [t.ackDue, r.ack_due_at],
      [t.acknowledged, r.acknowledged_at],
      [t.firstReply, r.first_reply_at],
      [t.feedbackDue, r.feedback_due_at],
      [t.concluded, r.concluded_at],
    ],
    answers: def
      ? summarise(def, body.answers, lang).map((st) => ({
          step: st.step,
          items: st.items.map((i) => ({ label: i.label, value: i.value })),
        }))
      : [],
    messages: messageRows.map((m) => {
      const b = openMessage<{ text: unknown }>(keys.contentKey, reportId, m.id, Buffer.from(m.sealed_body));
      const author =
        m.author === 'reporter' ? t.reporter : m.author === 'system' ? t.system : (m.display_name ?? t.none);
      return { at: m.created_at, author, kind: m.kind, text: textOf(b.text, lang) };
    }),
    notes: noteRows.map((n) => {
      const b = JSON.parse(
        open(keys.contentKey, Buffer.from(n.sealed_body), `report/${reportId}/note/${n.id}`).toString('utf8'),
      ) as { text: unknown };
      return { at: n.created_at, author: n.display_name ?? t.none, text: textOf(b.text, lang) };
    }),
    timeline: eventRows.map((e) => ({ at: e.at, actor: e.actor_label, kind: e.kind, details: e.details })),
  };
}

// Helvetica (the fallback) only covers Latin-1: anything else would print as garbage.
const latin1 = (s: string) => s.replace(/[^\n\r\t\x20-\x7e\xa0-\xff]/g, '?');

/** Renders the PDF as a stream. `compress: false` keeps the page text readable (tests). */
export async function renderCasePdf(
  data: CasePdfData,
  lang: Lang,
  o: { now: number; compress?: boolean; warn?: (msg: string) => void },
): Promise<Readable> {
  const { default: PDFDocument } = await import('pdfkit');
  const t = T[lang];
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    compress: o.compress ?? true,
    info: { Title: `${t.title} ${data.reference}`, Creator: 'Vigil' },
    lang,
  });
  const out = new PassThrough();
  doc.pipe(out);
  const font = cjkFont();
  let clean = (s: string) => s;
  if (font) {
    doc.registerFont('body', font.file, font.face as string);
    doc.font('body');
  } else {
    doc.font('Helvetica');
    clean = latin1;
    if (!warned) {
      warned = true;
      o.warn?.('no CJK font found: case PDFs fall back to Helvetica and cannot show Chinese text');
    }
  }
  const at = (ms: number | null) => (ms === null ? t.none : formatTime(lang, ms, t.none));
  const heading = (text: string) => {
    doc.moveDown(0.8).fontSize(14).text(clean(text)).moveDown(0.3).fontSize(10);
  };
  const line = (label: string, value: string) => doc.text(clean(`${label}: ${value}`));

  if (!font) doc.fontSize(9).text(t.noCjk).moveDown(0.5);
  doc.fontSize(18).text(clean(`${t.title} ${data.reference}`));
  doc
    .fontSize(9)
    .text(clean(t.generated.replace('{at}', at(o.now))))
    .moveDown(0.5);
  doc.fontSize(10);
  line(t.channel, data.channel);
  line(t.category, data.category);
  line(t.status, data.status);
  line(t.outcome, data.outcome ?? t.none);
  line(t.priority, data.priority);
  line(t.labels, data.labels.length > 0 ? data.labels.join(', ') : t.none);
  for (const [label, ms] of data.dates) line(label, at(ms));

  heading(t.answers);
  for (const step of data.answers) {
    doc.fontSize(11).text(clean(step.step)).fontSize(10);
    for (const item of step.items) {
      doc.text(clean(item.label), { underline: false, continued: false });
      doc.text(clean(item.value), { indent: 12 }).moveDown(0.3);
    }
  }
  heading(t.messages);
  for (const m of data.messages) {
    doc.text(clean(`${at(m.at)} · ${m.author} · ${m.kind}`));
    doc.text(clean(m.text), { indent: 12 }).moveDown(0.3);
  }
  if (data.messages.length === 0) doc.text(t.none);
  heading(t.notes);
  for (const n of data.notes) {
    doc.text(clean(`${at(n.at)} · ${n.author}`));
    doc.text(clean(n.text), { indent: 12 }).moveDown(0.3);
  }
  if (data.notes.length === 0) doc.text(t.none);
  heading(t.timeline);
  for (const e of data.timeline) {
    const details = e.details === '{}' ? '' : ` ${e.details}`;
    doc.text(clean(`${at(e.at)} · ${e.actor} · ${e.kind}${details}`));
  }
  if (data.timeline.length === 0) doc.text(t.none);
  doc.end();
  return out;
}
