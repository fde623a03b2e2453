/**
 * Bulk actions from the inbox: assign (supervisors; assigning shares the case with the assignee by
 * re-wrapping its keys with the acting supervisor's own) and add or remove a label (anyone the
 * case is shared with). Each case changes in its own transaction with its version bump, timeline
 * event and audit entry, so one case that cannot change never holds back or half-writes another;
 * what was skipped is reported by reference.
 */
import type { AppContext } from '../../app-context.ts';
import type { Actor } from '../../platform/audit/audit-log.ts';
import { isSharedWith, openCaseKeys, wrapCaseFor } from './access.ts';
import { recordCaseEvent } from './timeline.ts';

export const MAX_BULK = 200;

export interface BulkResult {
  changed: number;
  /** References of cases that could not be changed (not readable, no key, changed meanwhile). */
  skipped: string[];
}

interface CaseHead {
  id: string;
  reference: string;
  version: number;
  assignee_id: string | null;
  registered_at: number;
}

async function heads(ctx: AppContext, ids: string[]): Promise<CaseHead[]> {
  if (ids.length === 0) return [];
  return ctx.db
    .selectFrom('reports')
    .select(['id', 'reference', 'version', 'assignee_id', 'registered_at'])
    .where('id', 'in', ids)
    .orderBy('registered_at', 'desc')
    .execute();
}

/** A handler or supervisor with an active account, or undefined. */
export async function assignableStaff(
  ctx: AppContext,
  staffId: string,
): Promise<{ id: string; displayName: string } | undefined> {
  const row = await ctx.db
    .selectFrom('staff as s')
    .innerJoin('staff_roles as r', 'r.staff_id', 's.id')
    .select(['s.id', 's.display_name'])
    .where('s.id', '=', staffId)
    .where('s.status', '=', 'active')
    .where('r.role', 'in', ['handler', 'supervisor'])
    .executeTakeFirst();
  return row ? { id: row.id, displayName: row.display_name } : undefined;
}

export async function bulkAssign(
  ctx: AppContext,
  actor: Actor & { id: string },
  privateKey: Buffer | undefined,
  ids: string[],
  assignee: { id: string; displayName: string },
): Promise<BulkResult> {
  const result: BulkResult = { changed: 0, skipped: [] };
  for (const c of await heads(ctx, ids)) {
    if (c.assignee_id === assignee.id) continue;
    const keys = await openCaseKeys(ctx.db, actor.id, privateKey, c.id);
    if (!keys) {
      result.skipped.push(c.reference);
      continue;
    }
    const now = ctx.now();
    const ok = await ctx.db.transaction().execute(async (trx) => {
      if (!(await wrapCaseFor(trx, c.id, keys, assignee.id, now))) return false;
      const updated = await trx
        .updateTable('reports')
        .set({ assignee_id: assignee.id, version: c.version + 1, updated_at: now })
        .where('id', '=', c.id)
        .where('version', '=', c.version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      await recordCaseEvent(trx, {
        reportId: c.id,
        actor,
        kind: 'assigned',
        at: now,
        details: { to: assignee.displayName, from: c.assignee_id ?? null },
      });
      await ctx.audit.record(
        {
          actor,
          action: 'case.assigned',
          targetType: 'report',
          targetId: c.id,
          details: { assignee: assignee.id, bulk: true },
        },
        trx,
      );
      return true;
    });
    if (ok) result.changed++;
    else result.skipped.push(c.reference);
  }
  return result;
}

export async function bulkLabel(
  ctx: AppContext,
  actor: Actor & { id: string },
  ids: string[],
  label: string,
  add: boolean,
): Promise<BulkResult> {
  const result: BulkResult = { changed: 0, skipped: [] };
  for (const c of await heads(ctx, ids)) {
    if (!(await isSharedWith(ctx.db, actor.id, c.id))) {
      result.skipped.push(c.reference);
      continue;
    }
    const now = ctx.now();
    const outcome = await ctx.db.transaction().execute(async (trx) => {
      const has = await trx
        .selectFrom('case_labels')
        .select('label')
        .where('report_id', '=', c.id)
        .where('label', '=', label)
        .executeTakeFirst();
      if (add === (has !== undefined)) return 'same' as const;
      const updated = await trx
        .updateTable('reports')
        .set({ version: c.version + 1, updated_at: now })
        .where('id', '=', c.id)
        .where('version', '=', c.version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return 'stale' as const;
      if (add)
        await trx
          .insertInto('case_labels')
          .values({ report_id: c.id, label, registered_at: c.registered_at })
          .execute();
      else
        await trx
          .deleteFrom('case_labels')
          .where('report_id', '=', c.id)
          .where('label', '=', label)
          .execute();
      await recordCaseEvent(trx, {
        reportId: c.id,
        actor,
        kind: add ? 'label-added' : 'label-removed',
        at: now,
        details: { label },
      });
      await ctx.audit.record(
        {
          actor,
          action: add ? 'case.label-added' : 'case.label-removed',
          targetType: 'report',
          targetId: c.id,
          // The label stays out of the audit log (admins read it): it is shown on the timeline.
          details: { bulk: true },
        },
        trx,
      );
      return 'changed' as const;
    });
    if (outcome === 'changed') result.changed++;
    else if (outcome === 'stale') result.skipped.push(c.reference);
  }
  return result;
}
