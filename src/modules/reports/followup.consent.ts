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
import { CONSENT_GRANT_MS } from '../cases/identity.consent.ts';
import { settleIdentityRequest } from '../cases/identity.grants.ts';
import { addNotices } from '../cases/staff-notices.ts';
import { recordCaseAct } from '../cases/timeline.ts';

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
    await recordCaseAct(ctx.audit, trx, {
      reportId,
      actor: REPORTER,
      at: now,
      action: 'case.identity-consent-withdrawn',
      kind: 'identity-consent-withdrawn',
      details: { approval: approvalId },
      eventDetails: {},
    });
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
    const settled = await settleIdentityRequest(trx, {
      reportId,
      approvalId,
      basis: 'consent',
      approve: agree,
      decidedBy: null,
      now,
      grantMs: CONSENT_GRANT_MS,
    });
    if (!settled.ok)
      return {
        ok: false as const,
        problem: settled.problem === 'not-found' ? ('unknown' as const) : ('answered' as const),
      };
    await trx
      .updateTable('reports')
      .set((eb) => ({ last_reporter_activity_at: now, updated_at: now, version: eb('version', '+', 1) }))
      .where('id', '=', reportId)
      .execute();
    if (settled.requestedBy)
      await addNotices(trx, [settled.requestedBy], reportId, 'consent-answered', { agreed: agree }, now);
    await recordCaseAct(ctx.audit, trx, {
      reportId,
      actor: REPORTER,
      at: now,
      action: 'case.identity-consent',
      kind: 'identity-consent',
      details: { approval: approvalId, agreed: agree },
      eventDetails: { agreed: agree },
    });
    return { ok: true as const };
  });
}
