import { seal } from '../../platform/crypto/index.ts';
import type { CaseOutcome } from '../../platform/db/schema.ts';
import { newId } from './access.ts';
import { type ActionResult, CaseChanges, refuse, type Trx, type Who } from './case.change.ts';
import type { CaseRow } from './case.repository.ts';
import { approvalAad, conclusionAad, openText } from './case.service.ts';
import { canMove, DAY_MS, OUTCOMES_NEEDING_APPROVAL } from './workflow.ts';

/** When no retention rule names an outcome, keep the content as long as the longest default. */
const FALLBACK_RETENTION_DAYS = 1825;
export class CaseConclusions extends CaseChanges {
  /** Concludes the case now, or asks a supervisor to approve when the outcome needs it. */
  conclude(
    who: Who,
    reportId: string,
    version: number,
    outcome: CaseOutcome,
    reason: string,
  ): Promise<ActionResult> {
    return this.change(reportId, version, async (trx, row, now) => {
      if (row.status === 'concluded') refuse('already-concluded', 409);
      if (!canMove(row.status, 'concluded')) refuse('cannot-conclude-yet', 409);
      if (await this.repo.pendingConclusion(trx, reportId)) refuse('approval-pending', 409);
      if (!OUTCOMES_NEEDING_APPROVAL.has(outcome)) {
        await this.concludeIn(trx, who, row, outcome, reason, now);
        return 'concluded';
      }
      const id = newId();
      await trx
        .insertInto('case_approvals')
        .values({
          id,
          report_id: reportId,
          kind: 'conclusion',
          requested_by: who.staff.id,
          requested_at: now,
          sealed_reason: seal(
            who.keys.contentKey,
            Buffer.from(JSON.stringify({ text: reason })),
            approvalAad(reportId, id),
          ),
          outcome,
          status: 'pending',
          basis: 'four-eyes',
          decided_by: null,
          decided_at: null,
        })
        .execute();
      const supervisors = (await this.repo.activeSupervisors(trx)).filter((s) => s !== who.staff.id);
      if (supervisors.length > 0)
        await trx
          .insertInto('staff_notices')
          .values(
            supervisors.map((staffId) => ({
              staff_id: staffId,
              report_id: reportId,
              kind: 'approval-needed',
              details: JSON.stringify({ reference: row.reference, approvalId: id, outcome }),
              created_at: now,
              read_at: null,
            })),
          )
          .execute();
      await this.event(trx, who, reportId, 'conclusion-requested', now, { outcome });
      await this.audit(trx, who, reportId, 'case.conclusion-requested', {
        reference: row.reference,
        outcome,
        approvalId: id,
      });
      return 'approval-requested';
    });
  }

  private async concludeIn(
    trx: Trx,
    who: Who,
    row: CaseRow,
    outcome: CaseOutcome,
    reason: string,
    now: number,
  ) {
    const days = (await this.repo.retentionDays(trx, outcome)) ?? FALLBACK_RETENTION_DAYS;
    await trx
      .updateTable('reports')
      .set({
        status: 'concluded',
        outcome,
        concluded_at: now,
        next_due_at: null,
        purge_after: now + days * DAY_MS,
        sealed_conclusion: seal(
          who.keys.contentKey,
          Buffer.from(JSON.stringify({ text: reason })),
          conclusionAad(row.id),
        ),
      })
      .where('id', '=', row.id)
      .execute();
    await this.event(trx, who, row.id, 'concluded', now, { outcome });
    await this.audit(trx, who, row.id, 'case.concluded', { reference: row.reference, outcome });
  }

  /** A supervisor other than the requester and the assignee approves or refuses a conclusion. */
  decide(
    who: Who,
    reportId: string,
    version: number,
    approvalId: string,
    approve: boolean,
  ): Promise<ActionResult> {
    if (!who.staff.roles.includes('supervisor'))
      return Promise.resolve({ ok: false, problem: 'supervisors-only', status: 403 });
    return this.change(reportId, version, async (trx, row, now) => {
      const a = await this.repo.approval(trx, reportId, approvalId);
      if (a?.status !== 'pending' || !a.outcome) return refuse('no-such-approval', 409);
      if (a.requested_by === who.staff.id) refuse('own-approval', 403);
      if (row.assignee_id === who.staff.id) refuse('assignee-approval', 403);
      const outcome = a.outcome;
      if (approve) {
        if (row.status === 'concluded') refuse('already-concluded', 409);
        if (!canMove(row.status, 'concluded')) refuse('cannot-conclude-yet', 409);
      }
      await trx
        .updateTable('case_approvals')
        .set({ status: approve ? 'approved' : 'refused', decided_by: who.staff.id, decided_at: now })
        .where('id', '=', approvalId)
        .execute();
      await trx
        .updateTable('staff_notices')
        .set({ read_at: now })
        .where('report_id', '=', reportId)
        .where('kind', '=', 'approval-needed')
        .where('read_at', 'is', null)
        .execute();
      await this.event(trx, who, reportId, approve ? 'conclusion-approved' : 'conclusion-refused', now, {
        outcome,
      });
      await this.audit(trx, who, reportId, approve ? 'case.conclusion-approved' : 'case.conclusion-refused', {
        reference: row.reference,
        outcome,
        approvalId,
      });
      if (!approve) return 'refused';
      const reason = openText(who.keys.contentKey, a.sealed_reason, approvalAad(reportId, approvalId));
      await this.concludeIn(trx, who, row, outcome, reason, now);
      return 'approved';
    });
  }
}
