/**
 * Back-office notices (staff_notices rows) and the e-mails that go with reminders: who gets them
 * and what they say. A notice or e-mail names the case's reference and which deadline or decision
 * is meant, never anything a reporter or staff member wrote: mail crosses servers Vigil does not
 * protect. Anyone may add notices; /admin/notices (notices.routes.ts) shows them.
 */
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app-context.ts';
import type { Db } from '../../platform/db/index.ts';
import type { Database } from '../../platform/db/schema.ts';
import { catalogue, fill, type Lang } from '../../platform/views/i18n/index.ts';
import { Mailer } from '../subscriptions/mailer.ts';

export type NoticeKind =
  | 'ack-due-soon'
  | 'feedback-due-soon'
  | 'ack-escalated'
  | 'feedback-escalated'
  | 'purge-warning'
  | 'approval-needed'
  | 'identity-decided'
  | 'consent-answered'
  | 'consent-withdrawn';

export interface NoticeDetails {
  /** A deadline or purge date (ms). */
  dueAt?: number;
  overdue?: boolean;
  /** approved | refused (identity decisions), agreed (consent answers). */
  status?: string;
  agreed?: boolean;
}

/** Adds one notice per staff member, inside the caller's transaction. */
export async function addNotices(
  trx: Transaction<Database> | Db,
  staffIds: readonly string[],
  reportId: string | null,
  kind: NoticeKind,
  details: NoticeDetails,
  now: number,
): Promise<void> {
  const unique = [...new Set(staffIds)];
  if (unique.length === 0) return;
  await trx
    .insertInto('staff_notices')
    .values(
      unique.map((staff_id) => ({
        staff_id,
        report_id: reportId,
        kind,
        details: JSON.stringify(details),
        created_at: now,
        read_at: null,
      })),
    )
    .execute();
}

/** Active supervisors, optionally leaving one person out (the requester of a four-eyes decision). */
export async function supervisorIds(db: Db | Transaction<Database>, except?: string): Promise<string[]> {
  let q = db
    .selectFrom('staff_roles as r')
    .innerJoin('staff as s', 's.id', 'r.staff_id')
    .select('s.id')
    .where('r.role', '=', 'supervisor')
    .where('s.status', '=', 'active');
  if (except) q = q.where('s.id', '!=', except);
  return (await q.orderBy('s.id').execute()).map((r) => r.id);
}

/** Who hears about a case when nobody is assigned: its channel's recipients who are still active. */
export async function channelRecipientIds(db: Db, channelId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('channel_recipients as r')
    .innerJoin('staff as s', 's.id', 'r.staff_id')
    .select('s.id')
    .where('r.channel_id', '=', channelId)
    .where('s.status', '=', 'active')
    .orderBy('s.id')
    .execute();
  return rows.map((r) => r.id);
}

const en = {
  'ack-due-soon': 'The acknowledgement of case {reference} is due {due}.',
  'feedback-due-soon': 'Feedback to the reporter of case {reference} is due {due}.',
  'ack-escalated': 'Escalation: the acknowledgement of case {reference} is due {due}.',
  'feedback-escalated': 'Escalation: feedback to the reporter of case {reference} is due {due}.',
  'ack-overdue': 'Escalation: the acknowledgement of case {reference} was due {due} and is overdue.',
  'feedback-overdue':
    'Escalation: feedback to the reporter of case {reference} was due {due} and is overdue.',
  'purge-warning': 'Case {reference} will be destroyed after {due} (retention period ending).',
  'approval-needed': 'A request to see the reporter’s identity in case {reference} awaits a decision.',
  'identity-decided-approved':
    'Your request to see the reporter’s identity in case {reference} was approved.',
  'identity-decided-refused': 'Your request to see the reporter’s identity in case {reference} was refused.',
  'consent-answered-true': 'The reporter of case {reference} agreed that you may see their identity.',
  'consent-answered-false': 'The reporter of case {reference} did not agree that you see their identity.',
  'consent-withdrawn':
    'The reporter of case {reference} withdrew their consent: you can no longer see their identity.',
  unknown: 'Something happened in case {reference}.',
};
const zh: typeof en = {
  'ack-due-soon': '案件 {reference} 的确认收悉期限为 {due}。',
  'feedback-due-soon': '案件 {reference} 向举报人反馈的期限为 {due}。',
  'ack-escalated': '升级提醒：案件 {reference} 的确认收悉期限为 {due}。',
  'feedback-escalated': '升级提醒：案件 {reference} 向举报人反馈的期限为 {due}。',
  'ack-overdue': '升级提醒：案件 {reference} 的确认收悉期限 {due} 已过，已逾期。',
  'feedback-overdue': '升级提醒：案件 {reference} 向举报人反馈的期限 {due} 已过，已逾期。',
  'purge-warning': '案件 {reference} 的保存期限即将届满，将于 {due} 之后销毁。',
  'approval-needed': '案件 {reference} 有一项查看举报人身份的申请等待审批。',
  'identity-decided-approved': '您查看案件 {reference} 举报人身份的申请已获批准。',
  'identity-decided-refused': '您查看案件 {reference} 举报人身份的申请被拒绝。',
  'consent-answered-true': '案件 {reference} 的举报人同意您查看其身份。',
  'consent-answered-false': '案件 {reference} 的举报人不同意您查看其身份。',
  'consent-withdrawn': '案件 {reference} 的举报人撤回了同意：您已无法查看其身份。',
  unknown: '案件 {reference} 有新动态。',
};
const noticeWords = catalogue({ en, 'zh-CN': zh });

export function formatDay(lang: Lang, ms: number): string {
  return `${new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(ms)} UTC`;
}

/** One sentence saying what a notice is about (the page and the e-mails share it). */
export function noticeSentence(lang: Lang, kind: string, details: NoticeDetails, reference: string): string {
  const w = noticeWords(lang) as Record<string, string>;
  let key = kind;
  if ((kind === 'ack-escalated' || kind === 'feedback-escalated') && details.overdue)
    key = kind.replace('escalated', 'overdue');
  if (kind === 'identity-decided') key = `${kind}-${details.status === 'approved' ? 'approved' : 'refused'}`;
  if (kind === 'consent-answered') key = `${kind}-${details.agreed ? 'true' : 'false'}`;
  const template = w[key] ?? w.unknown!;
  return fill(template, {
    reference,
    due: typeof details.dueAt === 'number' ? formatDay(lang, details.dueAt) : '',
  });
}

/** A single line: no header injection whatever the reference holds. */
const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, ' ').trim();

export function noticeMail(
  ctx: AppContext,
  kind: NoticeKind,
  details: NoticeDetails,
  reference: string,
): { subject: string; text: string } {
  const site = ctx.settings.site.orgName;
  const link = `${ctx.config.publicUrl}/admin/notices`;
  const zhLine = noticeSentence('zh-CN', kind, details, oneLine(reference));
  const enLine = noticeSentence('en', kind, details, oneLine(reference));
  const subjects: Record<string, string> = {
    'ack-due-soon': '确认收悉期限临近 / Acknowledgement due soon',
    'feedback-due-soon': '反馈期限临近 / Feedback due soon',
    'ack-escalated': '期限升级提醒 / Deadline escalation',
    'feedback-escalated': '期限升级提醒 / Deadline escalation',
    'purge-warning': '案件即将销毁 / Case due for destruction',
  };
  return {
    subject: oneLine(`[${site['zh-CN']}] ${subjects[kind] ?? '案件提醒 / Case notice'}: ${reference}`),
    text: [
      zhLine,
      `请登录查看：${link}`,
      '',
      '为保护举报人，本邮件不包含任何举报内容。',
      '',
      '--',
      '',
      enLine,
      `Sign in to see it: ${link}`,
      '',
      'To protect reporters, this e-mail carries nothing of the report’s content.',
      '',
    ].join('\n'),
  };
}

/**
 * E-mails one notice to each staff member with an address. Failures are logged, not thrown: the
 * back-office notice already exists, and a retry must not send the mail to those who got it.
 */
export async function mailStaff(
  ctx: AppContext,
  staffIds: readonly string[],
  mail: { subject: string; text: string },
): Promise<{ sent: number; failed: number }> {
  const done = { sent: 0, failed: 0 };
  if (!ctx.config.smtp || staffIds.length === 0) return done;
  const rows = await ctx.db
    .selectFrom('staff')
    .select('email')
    .where('id', 'in', [...new Set(staffIds)])
    .where('status', '=', 'active')
    .where('email', 'is not', null)
    .execute();
  const addresses = rows.flatMap((r) => (r.email ? [r.email] : []));
  if (addresses.length === 0) return done;
  const session = new Mailer(ctx.config.smtp).open(addresses.length > 1);
  try {
    for (const to of addresses) {
      try {
        await session.send({ to, ...mail, headers: { 'Auto-Submitted': 'auto-generated' } });
        done.sent++;
      } catch {
        // MailError carries no address (mailer.ts); the caller logs the count.
        done.failed++;
      }
    }
  } finally {
    session.close();
  }
  return done;
}
