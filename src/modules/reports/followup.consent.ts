/**
 * The reporter's answer to a consent request (a mailbox message of kind consent-request, written by
 * modules/cases/identity.service.ts): "I agree" lets the staff member who asked see the identity
 * for CONSENT_GRANT_MS; "I do not agree" records the refusal. Either is final for that request,
 * audited (`case.identity-consent`, actor "reporter") and on the case timeline, and the staff
 * member who asked gets a notice. Answering counts as reporter activity (it postpones a purge).
 */
import type { AppContext } from '../../app-context.ts';
import type { Db } from '../../platform/db/index.ts';
import type { ApprovalStatus } from '../../platform/db/schema.ts';
import { newId } from '../cases/access.ts';
import { CONSENT_GRANT_MS } from '../cases/identity.consent.ts';
import { addNotices } from '../cases/staff-notices.ts';
import { recordCaseEvent } from '../cases/timeline.ts';

export interface ConsentState {
  status: ApprovalStatus;
  decidedAt: number | null;
}

const REPORTER = { id: null, label: 'reporter' };

/** The state of each consent request named in a mailbox, by approval id. */
export async function consentStates(
  db: Db,
  reportId: string,
  ids: readonly string[],
): Promise<Map<string, ConsentState>> {
  const out = new Map<string, ConsentState>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('case_approvals')
    .select(['id', 'status', 'decided_at'])
    .where('report_id', '=', reportId)
    .where('kind', '=', 'identity')
    .where('basis', '=', 'consent')
    .where('id', 'in', [...ids])
    .execute();
  for (const r of rows) out.set(r.id, { status: r.status, decidedAt: r.decided_at });
  return out;
}

export type ConsentAnswer = { ok: true } | { ok: false; problem: 'unknown' | 'answered' };

/**
 * The reporter takes back a consent they gave: every grant it made ends now, the staff member who
 * asked is told, and the request is marked withdrawn. Only an agreed request can be withdrawn.
 */
export async function withdrawConsent(
  ctx: AppContext,
  reportId: string,
  approvalId: string,
): Promise<ConsentAnswer> {
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('case_approvals')
      .set({ status: 'withdrawn', decided_at: now })
      .where('id', '=', approvalId)
      .where('report_id', '=', reportId)
      .where('kind', '=', 'identity')
      .where('basis', '=', 'consent')
      .where('status', '=', 'approved')
      .returning('requested_by')
      .executeTakeFirst();
    if (!updated) return { ok: false as const, problem: 'unknown' as const };
    await trx
      .updateTable('identity_grants')
      .set({ expires_at: now })
      .where('approval_id', '=', approvalId)
      .where('expires_at', '>', now)
      .execute();
    await trx
      .updateTable('reports')
      .set((eb) => ({ last_reporter_activity_at: now, updated_at: now, version: eb('version', '+', 1) }))
      .where('id', '=', reportId)
      .execute();
    if (updated.requested_by)
      await addNotices(trx, [updated.requested_by], reportId, 'consent-withdrawn', {}, now);
    await ctx.audit.record(
      {
        actor: REPORTER,
        action: 'case.identity-consent-withdrawn',
        targetType: 'report',
        targetId: reportId,
        details: { approval: approvalId },
      },
      trx,
    );
    await recordCaseEvent(trx, { reportId, actor: REPORTER, kind: 'identity-consent-withdrawn', at: now });
    return { ok: true as const };
  });
}

export async function answerConsent(
  ctx: AppContext,
  reportId: string,
  approvalId: string,
  agree: boolean,
): Promise<ConsentAnswer> {
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    const a = await trx
      .selectFrom('case_approvals')
      .select(['requested_by', 'status'])
      .where('id', '=', approvalId)
      .where('report_id', '=', reportId)
      .where('kind', '=', 'identity')
      .where('basis', '=', 'consent')
      .executeTakeFirst();
    if (!a) return { ok: false as const, problem: 'unknown' as const };
    if (a.status !== 'pending') return { ok: false as const, problem: 'answered' as const };
    const updated = await trx
      .updateTable('case_approvals')
      .set({ status: agree ? 'approved' : 'refused', decided_by: null, decided_at: now })
      .where('id', '=', approvalId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return { ok: false as const, problem: 'answered' as const };
    if (agree && a.requested_by)
      await trx
        .insertInto('identity_grants')
        .values({
          id: newId(),
          report_id: reportId,
          staff_id: a.requested_by,
          approval_id: approvalId,
          basis: 'consent',
          granted_at: now,
          expires_at: now + CONSENT_GRANT_MS,
        })
        .execute();
    await trx
      .updateTable('reports')
      .set((eb) => ({ last_reporter_activity_at: now, updated_at: now, version: eb('version', '+', 1) }))
      .where('id', '=', reportId)
      .execute();
    if (a.requested_by)
      await addNotices(trx, [a.requested_by], reportId, 'consent-answered', { agreed: agree }, now);
    await ctx.audit.record(
      {
        actor: REPORTER,
        action: 'case.identity-consent',
        targetType: 'report',
        targetId: reportId,
        details: { approval: approvalId, agreed: agree },
      },
      trx,
    );
    await recordCaseEvent(trx, {
      reportId,
      actor: REPORTER,
      kind: 'identity-consent',
      at: now,
      details: { agreed: agree },
    });
    return { ok: true as const };
  });
}
