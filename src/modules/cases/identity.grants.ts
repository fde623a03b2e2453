/**
 * Settling a request to see a reporter's identity, the one step a supervisor's decision (four eyes)
 * and the reporter's own answer (consent) share: the pending request is moved once to approved or
 * refused, and an approval grants the person who asked for a limited time. The callers add their
 * notices, audit entries and timeline events in the same transaction.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { newId } from './access.ts';

export type SettleProblem = 'not-found' | 'not-pending' | 'own-request';

export async function settleIdentityRequest(
  trx: Transaction<Database>,
  o: {
    reportId: string;
    approvalId: string;
    basis: 'four-eyes' | 'consent';
    approve: boolean;
    /** The deciding supervisor; null when the reporter answered. Never the person who asked. */
    decidedBy: string | null;
    now: number;
    grantMs: number;
  },
): Promise<{ ok: true; requestedBy: string | null } | { ok: false; problem: SettleProblem }> {
  const a = await trx
    .selectFrom('case_approvals')
    .select(['requested_by', 'status'])
    .where('id', '=', o.approvalId)
    .where('report_id', '=', o.reportId)
    .where('kind', '=', 'identity')
    .where('basis', '=', o.basis)
    .executeTakeFirst();
  if (!a) return { ok: false, problem: 'not-found' };
  if (a.status !== 'pending') return { ok: false, problem: 'not-pending' };
  if (o.decidedBy !== null && a.requested_by === o.decidedBy) return { ok: false, problem: 'own-request' };
  const updated = await trx
    .updateTable('case_approvals')
    .set({ status: o.approve ? 'approved' : 'refused', decided_by: o.decidedBy, decided_at: o.now })
    .where('id', '=', o.approvalId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  // A concurrent decision got there first.
  if (Number(updated.numUpdatedRows) !== 1) return { ok: false, problem: 'not-pending' };
  if (o.approve && a.requested_by)
    await trx
      .insertInto('identity_grants')
      .values({
        id: newId(),
        report_id: o.reportId,
        staff_id: a.requested_by,
        approval_id: o.approvalId,
        basis: o.basis,
        granted_at: o.now,
        expires_at: o.now + o.grantMs,
      })
      .execute();
  return { ok: true, requestedBy: a.requested_by };
}
