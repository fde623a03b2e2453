/**
 * The two protection flags of a case (reports.reporter_at_risk, reports.protect_named) and their
 * checklists (case_checklist: one row per ticked item, with who ticked it and when). Every change
 * checks the case's version (optimistic concurrency), bumps it, and is audited and put on the
 * timeline in the same transaction. Flagging the reporter at risk raises the priority to at least
 * high: such a case should not wait in the queue behind routine ones.
 */
import type { AppContext } from '../../app-context.ts';
import type { Actor } from '../../platform/audit/audit-log.ts';
import type { ProtectionFlag } from '../../platform/db/schema.ts';
import { recordCaseEvent } from './timeline.ts';

export const FLAGS: readonly ProtectionFlag[] = ['reporter-at-risk', 'protect-named'];

/** Checklist items per flag (labels in protection.views.ts). */
export const CHECKLISTS: Record<ProtectionFlag, readonly string[]> = {
  'reporter-at-risk': [
    'risk-assessed',
    'fewest-know-identity',
    'safe-contact',
    'interim-measures',
    'review-date',
  ],
  'protect-named': [
    'presumption-of-innocence',
    'need-to-know',
    'heard-before-conclusion',
    'nothing-identifying-outgoing',
    'purge-if-unsubstantiated',
  ],
};

/** The priority a case flagged "reporter at risk" has at least (3 = high). */
export const AT_RISK_PRIORITY = 3;

const COLUMN = { 'reporter-at-risk': 'reporter_at_risk', 'protect-named': 'protect_named' } as const;

export interface ChecklistItemState {
  item: string;
  doneBy: string | undefined;
  doneAt: number | undefined;
}

export interface ProtectionState {
  reportId: string;
  reference: string;
  version: number;
  priority: number;
  flags: Record<ProtectionFlag, { on: boolean; items: ChecklistItemState[] }>;
}

export type ProtectionResult = { ok: true } | { ok: false; problem: 'stale' | 'not-found' };

export class ProtectionService {
  constructor(private readonly ctx: AppContext) {}

  async state(reportId: string): Promise<ProtectionState | undefined> {
    const db = this.ctx.db;
    const r = await db
      .selectFrom('reports')
      .select(['reference', 'version', 'priority', 'reporter_at_risk', 'protect_named'])
      .where('id', '=', reportId)
      .executeTakeFirst();
    if (!r) return undefined;
    const rows = await db
      .selectFrom('case_checklist as c')
      .leftJoin('staff as s', 's.id', 'c.done_by')
      .select(['c.flag', 'c.item', 'c.done_at', 's.display_name'])
      .where('c.report_id', '=', reportId)
      .execute();
    const done = new Map(rows.map((row) => [`${row.flag}/${row.item}`, row]));
    const flags = {} as ProtectionState['flags'];
    for (const flag of FLAGS)
      flags[flag] = {
        on: Number(flag === 'reporter-at-risk' ? r.reporter_at_risk : r.protect_named) === 1,
        items: CHECKLISTS[flag].map((item) => {
          const d = done.get(`${flag}/${item}`);
          return { item, doneBy: d ? (d.display_name ?? '—') : undefined, doneAt: d?.done_at };
        }),
      };
    return { reportId, reference: r.reference, version: r.version, priority: r.priority, flags };
  }

  /** Sets or clears a flag. */
  async setFlag(
    reportId: string,
    actor: Actor,
    flag: ProtectionFlag,
    on: boolean,
    version: number,
  ): Promise<ProtectionResult> {
    const now = this.ctx.now();
    return this.ctx.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('reports')
        .select(['priority'])
        .where('id', '=', reportId)
        .executeTakeFirst();
      if (!before) return { ok: false as const, problem: 'not-found' as const };
      const raise = on && flag === 'reporter-at-risk' && before.priority < AT_RISK_PRIORITY;
      const updated = await trx
        .updateTable('reports')
        .set((eb) => ({
          [COLUMN[flag]]: on ? 1 : 0,
          ...(raise ? { priority: AT_RISK_PRIORITY } : {}),
          updated_at: now,
          version: eb('version', '+', 1),
        }))
        .where('id', '=', reportId)
        .where('version', '=', version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return { ok: false as const, problem: 'stale' as const };
      const details = { flag, on, ...(raise ? { priority: AT_RISK_PRIORITY } : {}) };
      await this.ctx.audit.record(
        {
          actor,
          action: on ? 'case.protection-set' : 'case.protection-cleared',
          targetType: 'report',
          targetId: reportId,
          details,
        },
        trx,
      );
      await recordCaseEvent(trx, {
        reportId,
        actor,
        kind: on ? 'protection-set' : 'protection-cleared',
        at: now,
        details,
      });
      if (raise)
        await recordCaseEvent(trx, {
          reportId,
          actor,
          kind: 'priority-set',
          at: now,
          details: { priority: AT_RISK_PRIORITY, from: before.priority },
        });
      return { ok: true as const };
    });
  }

  /** Makes a flag's ticked items exactly `ticked`; records who ticked each item that was not before. */
  async saveChecklist(
    reportId: string,
    actor: Actor,
    flag: ProtectionFlag,
    ticked: ReadonlySet<string>,
    version: number,
  ): Promise<ProtectionResult> {
    const now = this.ctx.now();
    const items = CHECKLISTS[flag];
    return this.ctx.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('reports')
        .set((eb) => ({ updated_at: now, version: eb('version', '+', 1) }))
        .where('id', '=', reportId)
        .where('version', '=', version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) {
        const exists = await trx
          .selectFrom('reports')
          .select('id')
          .where('id', '=', reportId)
          .executeTakeFirst();
        return { ok: false as const, problem: exists ? ('stale' as const) : ('not-found' as const) };
      }
      const current = new Set(
        (
          await trx
            .selectFrom('case_checklist')
            .select('item')
            .where('report_id', '=', reportId)
            .where('flag', '=', flag)
            .execute()
        ).map((r) => r.item),
      );
      const added = items.filter((i) => ticked.has(i) && !current.has(i));
      const removed = items.filter((i) => !ticked.has(i) && current.has(i));
      if (added.length > 0)
        await trx
          .insertInto('case_checklist')
          .values(added.map((item) => ({ report_id: reportId, flag, item, done_by: actor.id, done_at: now })))
          .execute();
      if (removed.length > 0)
        await trx
          .deleteFrom('case_checklist')
          .where('report_id', '=', reportId)
          .where('flag', '=', flag)
          .where('item', 'in', removed)
          .execute();
      if (added.length + removed.length > 0) {
        const details = { flag, ticked: added, unticked: removed };
        await this.ctx.audit.record(
          { actor, action: 'case.checklist', targetType: 'report', targetId: reportId, details },
          trx,
        );
        await recordCaseEvent(trx, { reportId, actor, kind: 'checklist', at: now, details });
      }
      return { ok: true as const };
    });
  }
}
