/**
 * The reporting channel's clean-up, every ten minutes: sealed drafts past their hour, submission
 * records past the time a repeated submission is answered with the same receipt, and attachment
 * files that no report took (a form left unfinished, a refused report). Files younger than
 * ORPHAN_AGE_MS are left alone: a draft (at most an hour old) may still become a report.
 */
import type { AppContext } from '../../app-context.ts';
import type { ReportsServices } from './module.ts';

export const PURGE_JOB = 'reports.purge';
export const ORPHAN_AGE_MS = 2 * 3_600_000;

export interface PurgeOutcome {
  drafts: number;
  submissions: number;
  files: number;
}

/** The job handler (module.ts). */
export async function runPurgeJob(ctx: AppContext, s: ReportsServices): Promise<void> {
  await purgeReports(ctx, s);
}

export async function purgeReports(ctx: AppContext, s: ReportsServices): Promise<PurgeOutcome> {
  const now = ctx.now();
  const drafts = await ctx.db.deleteFrom('report_drafts').where('expires_at', '<=', now).executeTakeFirst();
  const submissions = await ctx.db
    .deleteFrom('report_submissions')
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  const files = await s.attachments.sweepOrphans(ctx.db, ORPHAN_AGE_MS, now);
  return {
    drafts: Number(drafts.numDeletedRows),
    submissions: Number(submissions.numDeletedRows),
    files,
  };
}
