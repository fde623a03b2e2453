/**
 * What the dashboard (/admin) shows a person about case work: their unread notices, their open
 * cases and how many of those are overdue or due soon, and for supervisors the approvals waiting
 * for a second person. Counts only: the dashboard never shows content.
 */
import type { AppContext } from '../../app-context.ts';
import type { StaffIdentity } from '../../platform/http/request.ts';
import { unreadNoticeCount } from './notices.routes.ts';
import { DUE_SOON_MS } from './workflow.ts';

export interface CaseSummary {
  unreadNotices: number;
  /** Undefined for staff who do not work cases. */
  mine?: { open: number; overdue: number; dueSoon: number };
  /** Approvals (conclusions, identity requests) waiting for a supervisor other than the requester. */
  approvalsWaiting?: number;
}

export async function caseSummary(ctx: AppContext, staff: StaffIdentity): Promise<CaseSummary> {
  const summary: CaseSummary = { unreadNotices: await unreadNoticeCount(ctx, staff.id) };
  const worksCases = staff.roles.includes('handler') || staff.roles.includes('supervisor');
  if (worksCases) {
    const now = ctx.now();
    const row = await ctx.db
      .selectFrom('reports')
      .select((e) => [
        e.fn.countAll<number>().as('open'),
        e.fn.sum<number>(e.case().when('next_due_at', '<', now).then(1).else(0).end()).as('overdue'),
        e.fn
          .sum<number>(
            e
              .case()
              .when(e.and([e('next_due_at', '>=', now), e('next_due_at', '<=', now + DUE_SOON_MS)]))
              .then(1)
              .else(0)
              .end(),
          )
          .as('due_soon'),
      ])
      .where('assignee_id', '=', staff.id)
      .where('status', '!=', 'concluded')
      .executeTakeFirstOrThrow();
    summary.mine = {
      open: Number(row.open),
      overdue: Number(row.overdue ?? 0),
      dueSoon: Number(row.due_soon ?? 0),
    };
  }
  if (staff.roles.includes('supervisor')) {
    const row = await ctx.db
      .selectFrom('case_approvals')
      .select((e) => e.fn.countAll<number>().as('n'))
      .where('status', '=', 'pending')
      .where((e) => e.or([e('basis', 'is', null), e('basis', '!=', 'consent')]))
      .where((e) => e.or([e('requested_by', 'is', null), e('requested_by', '!=', staff.id)]))
      .executeTakeFirstOrThrow();
    summary.approvalsWaiting = Number(row.n);
  }
  return summary;
}
