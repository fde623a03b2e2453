/**
 * Retention rules (days a concluded case is kept, per outcome; admins edit them) and the legal hold
 * on a case (a supervisor who can read the case sets or clears it with a written reason). A held
 * case is never purged, whatever its purge_after says. The hold's reason is kept as an internal
 * note, sealed under the case's content key like every other note, so the audit log and the
 * timeline carry only the fact (set / cleared), never the words.
 */
import type { AppContext } from '../../app-context.ts';
import type { Actor } from '../../platform/audit/audit-log.ts';
import { seal } from '../../platform/crypto/index.ts';
import type { CaseOutcome } from '../../platform/db/schema.ts';
import { newId } from './access.ts';
import { recordCaseEvent } from './timeline.ts';
import { OUTCOMES } from './workflow.ts';

export const RETENTION_MIN_DAYS = 1;
export const RETENTION_MAX_DAYS = 36_500;
export const HOLD_REASON_MIN = 10;
export const HOLD_REASON_MAX = 2000;

export interface RetentionRule {
  outcome: CaseOutcome;
  days: number;
  version: number;
  updatedAt: number;
}

export async function retentionRules(ctx: AppContext): Promise<RetentionRule[]> {
  const rows = await ctx.db.selectFrom('retention_rules').selectAll().execute();
  const byOutcome = new Map(rows.map((r) => [r.outcome, r]));
  return OUTCOMES.flatMap((o) => {
    const r = byOutcome.get(o);
    return r ? [{ outcome: o, days: r.days, version: r.version, updatedAt: r.updated_at }] : [];
  });
}

/** Saves changed rules; all or nothing: one stale version and nothing is written. */
export async function saveRetentionRules(
  ctx: AppContext,
  actor: Actor,
  changes: { outcome: CaseOutcome; days: number; version: number }[],
): Promise<{ ok: true; changed: number } | { ok: false; problem: 'stale' }> {
  const now = ctx.now();
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const changed: Record<string, { from: number; to: number }> = {};
      for (const c of changes) {
        const current = await trx
          .selectFrom('retention_rules')
          .select(['days', 'version'])
          .where('outcome', '=', c.outcome)
          .executeTakeFirst();
        if (!current || current.version !== c.version) throw new StaleRules();
        if (current.days === c.days) continue;
        const res = await trx
          .updateTable('retention_rules')
          .set({ days: c.days, updated_at: now, version: c.version + 1 })
          .where('outcome', '=', c.outcome)
          .where('version', '=', c.version)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) throw new StaleRules();
        changed[c.outcome] = { from: current.days, to: c.days };
      }
      const n = Object.keys(changed).length;
      if (n > 0)
        await ctx.audit.record(
          { actor, action: 'retention.updated', targetType: 'retention', details: { changed } },
          trx,
        );
      return { ok: true as const, changed: n };
    });
  } catch (err) {
    if (err instanceof StaleRules) return { ok: false, problem: 'stale' };
    throw err;
  }
}

class StaleRules extends Error {}

export type HoldResult = { ok: true } | { ok: false; problem: 'stale' | 'not-found' | 'unchanged' };

/** Sets or clears the legal hold; the reason goes sealed into an internal note. */
export async function setLegalHold(
  ctx: AppContext,
  actor: Actor,
  reportId: string,
  contentKey: Buffer,
  o: { on: boolean; reason: string; version: number },
): Promise<HoldResult> {
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('reports')
      .select(['legal_hold', 'version'])
      .where('id', '=', reportId)
      .executeTakeFirst();
    if (!row) return { ok: false as const, problem: 'not-found' as const };
    if (row.version !== o.version) return { ok: false as const, problem: 'stale' as const };
    if ((Number(row.legal_hold) === 1) === o.on) return { ok: false as const, problem: 'unchanged' as const };
    const updated = await trx
      .updateTable('reports')
      .set((eb) => ({ legal_hold: o.on ? 1 : 0, updated_at: now, version: eb('version', '+', 1) }))
      .where('id', '=', reportId)
      .where('version', '=', o.version)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return { ok: false as const, problem: 'stale' as const };
    const noteId = newId();
    const text = `${o.on ? 'Legal hold set / 已设置法律保留' : 'Legal hold cleared / 已解除法律保留'}: ${o.reason}`;
    await trx
      .insertInto('case_notes')
      .values({
        id: noteId,
        report_id: reportId,
        staff_id: actor.id,
        sealed_body: seal(
          contentKey,
          Buffer.from(JSON.stringify({ text })),
          `report/${reportId}/note/${noteId}`,
        ),
        created_at: now,
      })
      .execute();
    await ctx.audit.record(
      {
        actor,
        action: o.on ? 'case.legal-hold-set' : 'case.legal-hold-cleared',
        targetType: 'report',
        targetId: reportId,
        details: { note: noteId },
      },
      trx,
    );
    await recordCaseEvent(trx, {
      reportId,
      actor,
      kind: o.on ? 'legal-hold-set' : 'legal-hold-cleared',
      at: now,
    });
    return { ok: true as const };
  });
}
