/**
 * The notice to a channel's recipients that new reports arrived: one e-mail to each recipient with
 * an address, saying how many reports came since the last notice and where to sign in. Nothing
 * else, not even the reports' reference numbers: mail crosses servers and sits in mailboxes Vigil
 * does not protect, and a reference ties a moment to one particular report (it is quoted in letters
 * and calls with the reporter). The count and the channel tell recipients all they need: that
 * there is something to read, and where. The channel's name is the admins' wording, not a
 * reporter's.
 *
 * Each report is announced once. A cursor per channel (settings key reports.notice.<channel>)
 * holds the registration time up to which reports were announced; it moves with a compare-and-set,
 * so two workers never send the same notice. Reports younger than SETTLE_MS are left to a later
 * run: reports commit in groups, and one registered a moment earlier may still be on its way to
 * the database. Intake asks for a notice at most every NOTICE_EVERY_MS per channel and node, so
 * every notice is followed by one more run after that window, which picks up whatever arrived in it.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../app-context.ts';
import { MailError, Mailer } from '../subscriptions/mailer.ts';
import { NOTICE_EVERY_MS, NOTIFY_JOB } from './intake.service.ts';

/** Longer than a group commit takes, so no report registered before the cutoff is still on its way. */
export const SETTLE_MS = 2_000;
const CURSOR_PREFIX = 'reports.notice.';

export interface JobLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface NoticeOutcome {
  /** Reports announced by this run. */
  announced: number;
  sent: number;
  rejected: number;
  /** Why nothing was sent, when nothing was. */
  skipped?: 'no-smtp' | 'nothing-new' | 'taken' | 'no-recipient-address';
}

async function readCursor(
  ctx: AppContext,
  key: string,
): Promise<{ raw: string | undefined; through: number }> {
  const row = await ctx.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  if (!row) return { raw: undefined, through: 0 };
  const through = Number((JSON.parse(row.value) as { through?: unknown }).through);
  return { raw: row.value, through: Number.isFinite(through) ? through : 0 };
}

/** Moves the cursor from what was read to `next`; false when another run moved it meanwhile. */
async function moveCursor(
  ctx: AppContext,
  key: string,
  from: string | undefined,
  next: string,
): Promise<boolean> {
  const now = ctx.now();
  if (from === undefined) {
    const r = await ctx.db
      .insertInto('settings')
      .values({ key, value: next, updated_at: now })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }
  const r = await ctx.db
    .updateTable('settings')
    .set({ value: next, updated_at: now })
    .where('key', '=', key)
    .where('value', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Queues one more run for the channel at `runAt`, unless one is already waiting. */
async function askAgain(ctx: AppContext, channelId: string, runAt: number): Promise<void> {
  const payload = JSON.stringify({ channelId });
  const now = ctx.now();
  await sql`insert into jobs (kind, payload, status, run_at, attempts, max_attempts, created_at, updated_at)
    select ${NOTIFY_JOB}, ${payload}, 'queued', ${runAt}, 0, 5, ${now}, ${now}
    where not exists (select 1 from jobs where kind = ${NOTIFY_JOB} and status = 'queued' and payload = ${payload})`.execute(
    ctx.db,
  );
}

function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').trim();
}

export function noticeMail(ctx: AppContext, channel: { en: string; zh: string }, count: number) {
  const admin = `${ctx.config.publicUrl}/admin`;
  const site = ctx.settings.site.orgName;
  return {
    subject: oneLine(`[${site['zh-CN']}] 新举报 / New reports: ${channel.zh} / ${channel.en}`),
    text: [
      `「${oneLine(channel.zh)}」渠道自上次通知以来收到 ${count} 份新举报。`,
      `请登录查看：${admin}`,
      '',
      '为保护举报人，本邮件不包含任何举报内容，也不包含举报编号。',
      '',
      '--',
      '',
      `${count} new ${count === 1 ? 'report' : 'reports'} in the channel “${oneLine(channel.en)}” since the last notice.`,
      `Sign in to read ${count === 1 ? 'it' : 'them'}: ${admin}`,
      '',
      'To protect reporters, this e-mail carries nothing of the reports, not even their reference numbers.',
      '',
    ].join('\n'),
  };
}

/** The job handler (module.ts). */
export async function runNotifyJob(
  ctx: AppContext,
  payload: { channelId: string },
  log: JobLog,
): Promise<void> {
  await notifyChannel(ctx, payload, log);
}

/** Sends the notice for one channel, if there is anything new; says what it did. */
export async function notifyChannel(
  ctx: AppContext,
  payload: { channelId: string },
  log: JobLog,
): Promise<NoticeOutcome> {
  const done: NoticeOutcome = { announced: 0, sent: 0, rejected: 0 };
  const channelId = typeof payload?.channelId === 'string' ? payload.channelId : undefined;
  if (!channelId) return done;
  if (!ctx.config.smtp) {
    log.info(
      { job: NOTIFY_JOB },
      'notice of new reports not sent: e-mail is not configured (VIGIL_SMTP_HOST)',
    );
    return { ...done, skipped: 'no-smtp' };
  }
  const channel = await ctx.db
    .selectFrom('report_channels')
    .select(['name_en', 'name_zh'])
    .where('id', '=', channelId)
    .executeTakeFirst();
  if (!channel) return done;

  const key = `${CURSOR_PREFIX}${channelId}`;
  const cursor = await readCursor(ctx, key);
  const now = ctx.now();
  const cutoff = now - SETTLE_MS;
  const counts = await ctx.db
    .selectFrom('reports')
    .select((e) => [
      e.fn.sum<number>(sql`case when registered_at <= ${cutoff} then 1 else 0 end`).as('settled'),
      e.fn.countAll<number>().as('all'),
    ])
    .where('channel_id', '=', channelId)
    .where('registered_at', '>', cursor.through)
    .executeTakeFirstOrThrow();
  const settled = Number(counts.settled ?? 0);
  const waiting = Number(counts.all ?? 0) - settled;
  if (settled === 0) {
    if (waiting > 0) await askAgain(ctx, channelId, now + SETTLE_MS);
    return { ...done, skipped: 'nothing-new' };
  }
  const next = JSON.stringify({ through: cutoff });
  if (!(await moveCursor(ctx, key, cursor.raw, next))) return { ...done, skipped: 'taken' };
  done.announced = settled;
  // One more run after intake's quiet window picks up what arrived in it (see the file comment).
  await askAgain(ctx, channelId, now + NOTICE_EVERY_MS + SETTLE_MS);

  const recipients = await ctx.db
    .selectFrom('channel_recipients as r')
    .innerJoin('staff as s', 's.id', 'r.staff_id')
    .select(['s.id', 's.email'])
    .where('r.channel_id', '=', channelId)
    .where('s.status', '=', 'active')
    .where('s.email', 'is not', null)
    .orderBy('s.id')
    .execute();
  const addresses = recipients.flatMap((r) => (r.email ? [r.email] : []));
  if (addresses.length === 0) {
    log.info(
      { job: NOTIFY_JOB, channel: channelId, announced: settled },
      'no recipient of the channel has an e-mail address',
    );
    return { ...done, skipped: 'no-recipient-address' };
  }
  const mail = noticeMail(ctx, { en: channel.name_en, zh: channel.name_zh }, settled);
  const session = new Mailer(ctx.config.smtp).open(addresses.length > 1);
  let failure: unknown;
  try {
    for (const to of addresses) {
      try {
        await session.send({ to, ...mail, headers: { 'Auto-Submitted': 'auto-generated' } });
        done.sent++;
      } catch (err) {
        if (err instanceof MailError && err.recipientRejected) done.rejected++;
        else failure ??= err;
      }
    }
  } finally {
    session.close();
  }
  if (failure && done.sent === 0) {
    // Nobody heard: put the cursor back (if still ours) so the retry announces these reports.
    await moveCursor(ctx, key, next, cursor.raw ?? JSON.stringify({ through: cursor.through }));
    throw failure;
  }
  if (failure)
    log.warn(
      { job: NOTIFY_JOB, channel: channelId, sent: done.sent },
      'notice not delivered to every recipient',
    );
  return done;
}
