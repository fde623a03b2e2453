/**
 * Destroying concluded cases at the end of their retention period (hourly, CASE_PURGE_JOB):
 *
 * 1. Postpone. A concluded case is kept at least REPORTER_GRACE_MS after the reporter's last
 *    activity (a reply in the mailbox bumps last_reporter_activity_at): purge_after is raised to
 *    that. (Concluding always sets the purge date, from retention_rules: case.conclusion.ts.)
 * 2. Warn. PURGE_WARNING_MS before purge_after the assignee (or the channel's recipients when
 *    nobody is assigned) gets a notice and an e-mail, once per purge date (case_reminders).
 * 3. Purge. Cases past purge_after and not under legal hold: one transaction per case writes the
 *    non-identifying case_statistics row, deletes the report (every table referencing reports
 *    cascades: key wraps, recovery wraps, messages, file rows, entities, labels, links, events,
 *    notes, approvals, grants, checklists, reminders, notices) and the audit entry, which names
 *    only the reference. The sealed files are removed from disk after the commit; a file whose
 *    removal fails is an orphan, which the reporting channel's purge (reports/purge.ts,
 *    sweepOrphans) removes later, and it is sealed under a key that no longer exists anywhere.
 * Work goes in batches so a backlog never holds a long transaction.
 */
import type { AppContext } from '../../app-context.ts';
import { SYSTEM_ACTOR } from '../../platform/audit/audit-log.ts';
import { reportsOf } from '../reports/module.ts';
import { addNotices, channelRecipientIds, mailStaff, noticeMail } from './staff-notices.ts';
import { DAY_MS } from './workflow.ts';

export const CASE_PURGE_JOB = 'cases.purge';
export const REPORTER_GRACE_MS = 30 * DAY_MS;
export const PURGE_WARNING_MS = 14 * DAY_MS;
const BATCH = 100;

export interface CasePurgeOutcome {
  postponed: number;
  warned: number;
  purged: number;
  files: number;
}

export async function runCasePurgeJob(ctx: AppContext): Promise<void> {
  await purgeCases(ctx);
}

export async function purgeCases(ctx: AppContext): Promise<CasePurgeOutcome> {
  const done: CasePurgeOutcome = { postponed: 0, warned: 0, purged: 0, files: 0 };
  const now = ctx.now();

  const postponed = await ctx.db
    .updateTable('reports')
    .set((eb) => ({ purge_after: eb('last_reporter_activity_at', '+', REPORTER_GRACE_MS) }))
    .where('status', '=', 'concluded')
    // Only cases near their date need it (the index on purge_after finds them, not a scan of
    // every concluded case): postponing before the warning is as good as postponing at once.
    .where('purge_after', '<=', now + PURGE_WARNING_MS + DAY_MS)
    .where((eb) => eb('purge_after', '<', eb('last_reporter_activity_at', '+', REPORTER_GRACE_MS)))
    .executeTakeFirst();
  done.postponed = Number(postponed.numUpdatedRows);

  done.warned = await warnAhead(ctx, now);

  const files = reportsOf(ctx).attachments;
  for (;;) {
    const batch = await ctx.db
      .selectFrom('reports')
      .select('id')
      .where('status', '=', 'concluded')
      .where('purge_after', '<=', now)
      .where('legal_hold', '=', 0)
      .orderBy('purge_after')
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (batch.length === 0) break;
    let progress = 0;
    for (const { id } of batch) {
      const fileIds = await purgeOne(ctx, id, now);
      if (!fileIds) continue;
      progress++;
      done.purged++;
      for (const fileId of fileIds) {
        await files.remove(fileId).catch(() => undefined);
        done.files++;
      }
    }
    // Every case of the batch changed under us (held meanwhile): stop rather than spin.
    if (progress === 0 || batch.length < BATCH) break;
  }
  return done;
}

/** Destroys one case in one transaction; the ids of its files on disk, or undefined if it was kept. */
async function purgeOne(ctx: AppContext, reportId: string, now: number): Promise<string[] | undefined> {
  return ctx.db.transaction().execute(async (trx) => {
    const r = await trx
      .selectFrom('reports')
      .select([
        'reference',
        'channel_id',
        'questionnaire_id',
        'kind',
        'source',
        'registered_at',
        'ack_due_at',
        'feedback_due_at',
        'acknowledged_at',
        'first_reply_at',
        'concluded_at',
        'outcome',
      ])
      .where('id', '=', reportId)
      .where('status', '=', 'concluded')
      .where('purge_after', '<=', now)
      .where('legal_hold', '=', 0)
      .executeTakeFirst();
    if (!r) return undefined;
    const fileIds = (
      await trx.selectFrom('report_files').select('id').where('report_id', '=', reportId).execute()
    ).map((f) => f.id);
    const after = (at: number | null) => (at === null ? null : Math.max(0, at - r.registered_at));
    const met = (at: number | null, due: number | null) =>
      at === null || due === null ? null : at <= due ? 1 : 0;
    await trx
      .insertInto('case_statistics')
      .values({
        channel_id: r.channel_id,
        questionnaire_id: r.questionnaire_id,
        kind: r.kind,
        source: r.source,
        registered_day: Math.floor(r.registered_at / DAY_MS) * DAY_MS,
        ack_due_at: r.ack_due_at,
        feedback_due_at: r.feedback_due_at,
        acknowledged_after_ms: after(r.acknowledged_at),
        first_reply_after_ms: after(r.first_reply_at),
        concluded_after_ms: after(r.concluded_at),
        ack_met: met(r.acknowledged_at, r.ack_due_at),
        // Feedback is met when the case was concluded (the reporter told the outcome) in time.
        feedback_met: met(r.concluded_at, r.feedback_due_at),
        outcome: r.outcome,
        purged_at: now,
      })
      .execute();
    const deleted = await trx
      .deleteFrom('reports')
      .where('id', '=', reportId)
      .where('legal_hold', '=', 0)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) !== 1) throw new Error('case changed while being purged');
    await ctx.audit.record(
      {
        actor: SYSTEM_ACTOR,
        action: 'case.purged',
        targetType: 'report',
        targetId: reportId,
        details: { reference: r.reference },
      },
      trx,
    );
    return fileIds;
  });
}

/** Notices and e-mails PURGE_WARNING_MS ahead of each purge date, once per case and date. */
async function warnAhead(ctx: AppContext, now: number): Promise<number> {
  let warned = 0;
  let after: { at: number; id: string } | undefined;
  for (;;) {
    let q = ctx.db
      .selectFrom('reports')
      .select(['id', 'reference', 'channel_id', 'assignee_id', 'purge_after'])
      .where('status', '=', 'concluded')
      .where('legal_hold', '=', 0)
      .where('purge_after', 'is not', null)
      .where('purge_after', '<=', now + PURGE_WARNING_MS)
      .where('purge_after', '>', now);
    if (after) {
      const a = after;
      q = q.where((eb) =>
        eb.or([eb('purge_after', '>', a.at), eb.and([eb('purge_after', '=', a.at), eb('id', '>', a.id)])]),
      );
    }
    const rows = await q.orderBy('purge_after').orderBy('id').limit(BATCH).execute();
    if (rows.length === 0) break;
    const last = rows[rows.length - 1]!;
    after = { at: Number(last.purge_after), id: last.id };
    for (const r of rows) {
      const at = Number(r.purge_after);
      const to = r.assignee_id ? [r.assignee_id] : await channelRecipientIds(ctx.db, r.channel_id);
      const claimed = await ctx.db.transaction().execute(async (trx) => {
        const res = await trx
          .insertInto('case_reminders')
          .values({ report_id: r.id, kind: 'purge-warning', due_at: at, sent_at: now })
          .onConflict((oc) => oc.columns(['report_id', 'kind', 'due_at']).doNothing())
          .executeTakeFirst();
        if (Number(res.numInsertedOrUpdatedRows ?? 0n) !== 1) return false;
        await addNotices(trx, to, r.id, 'purge-warning', { dueAt: at }, now);
        return true;
      });
      if (!claimed) continue;
      warned++;
      await mailStaff(ctx, to, noticeMail(ctx, 'purge-warning', { dueAt: at }, r.reference));
    }
    if (rows.length < BATCH) break;
  }
  return warned;
}
