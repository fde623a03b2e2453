/**
 * Changes to a case: notes, messages and questions to the reporter, priority, labels, links,
 * assignment and sharing, stage moves and the conclusion with its four-eyes approval. Each runs in
 * one transaction that first claims the case's version (optimistic concurrency: a stale form
 * changes nothing), then writes the change, its timeline event and its audit entry. A refusal
 * found inside the transaction rolls everything back.
 */
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app-context.ts';
import { seal } from '../../platform/crypto/index.ts';
import type { CaseOutcome, Database, ReportStatus } from '../../platform/db/schema.ts';
import type { StaffIdentity } from '../../platform/http/request.ts';
import { followUpOf } from '../reports/followup.service.ts';
import type { ReportsServices } from '../reports/module.ts';
import { type CaseKeys, newId, wrapCaseFor } from './access.ts';
import type { CaseProblem } from './case.messages.ts';
import type { CaseRepository, CaseRow } from './case.repository.ts';
import { actorOf, approvalAad, conclusionAad, noteAad, openText } from './case.service.ts';
import { recordCaseEvent } from './timeline.ts';
import { canMove, DAY_MS, nextDueAt, OUTCOMES_NEEDING_APPROVAL, type Priority } from './workflow.ts';

export type MoveReason =
  | 'same'
  | 'fromConcluded'
  | 'useConclude'
  | 'ackFirst'
  | 'assessFirst'
  | 'assessBeforeConclude'
  | 'backToReceived'
  | 'other';

export type ActionResult =
  | { ok: true; flash: string }
  | {
      ok: false;
      problem: CaseProblem | 'bad-move';
      status: number;
      move?: MoveReason;
      /** The stage the case was in when a move was refused. */
      from?: ReportStatus;
    };

/** When no retention rule names an outcome, keep the content as long as the longest default. */
const FALLBACK_RETENTION_DAYS = 1825;
export const TEXT_MAX = 10_000;

class Refused extends Error {
  constructor(readonly result: ActionResult) {
    super('refused');
  }
}

/** Nothing to change (already so): roll back the version claim and answer as if done. */
class Unchanged extends Error {
  constructor(readonly flash: string) {
    super('unchanged');
  }
}

const refuse = (
  problem: CaseProblem | 'bad-move',
  status: number,
  move?: { why: MoveReason; from: ReportStatus },
): never => {
  throw new Refused({ ok: false, problem, status, ...(move ? { move: move.why, from: move.from } : {}) });
};

/** Why a stage move is not allowed, or undefined when it is. */
export function moveProblem(from: ReportStatus, to: ReportStatus): MoveReason | undefined {
  if (from === to) return 'same';
  if (from === 'concluded') return 'fromConcluded';
  if (to === 'concluded') return canMove(from, to) ? 'useConclude' : 'assessBeforeConclude';
  if (canMove(from, to)) return undefined;
  if (to === 'received') return 'backToReceived';
  if (from === 'received') return 'ackFirst';
  if (from === 'acknowledged' && to === 'addressing') return 'assessFirst';
  return 'other';
}

/** A label as kept: no control or invisible characters, single spaces, trimmed. */
export function cleanLabel(value: string): string {
  return value
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface Who {
  staff: StaffIdentity;
  keys: CaseKeys;
}

type Trx = Transaction<Database>;

export class CaseActions {
  constructor(
    private readonly ctx: AppContext,
    private readonly s: ReportsServices,
    private readonly repo: CaseRepository,
  ) {}

  /** Claims the version, runs the change; a refusal inside rolls back. */
  private async change(
    reportId: string,
    version: number,
    fn: (trx: Trx, row: CaseRow, now: number) => Promise<string>,
  ): Promise<ActionResult> {
    const now = this.ctx.now();
    try {
      const flash = await this.ctx.db.transaction().execute(async (trx) => {
        const claimed = await trx
          .updateTable('reports')
          .set((eb) => ({ version: eb('version', '+', 1), updated_at: now }))
          .where('id', '=', reportId)
          .where('version', '=', version)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) === 0) {
          const exists = await this.repo.meta(reportId, trx);
          refuse(exists ? 'stale' : 'gone', exists ? 409 : 404);
        }
        const row = (await this.repo.meta(reportId, trx)) as CaseRow;
        return fn(trx, row, now);
      });
      return { ok: true, flash };
    } catch (err) {
      if (err instanceof Refused) return err.result;
      if (err instanceof Unchanged) return { ok: true, flash: err.flash };
      throw err;
    }
  }

  private audit(trx: Trx, who: Who, reportId: string, action: string, details: Record<string, unknown>) {
    return this.ctx.audit.record(
      { actor: actorOf(who.staff), action, targetType: 'report', targetId: reportId, details },
      trx,
    );
  }

  private event(trx: Trx, who: Who, reportId: string, kind: string, at: number, details = {}) {
    return recordCaseEvent(trx, { reportId, actor: actorOf(who.staff), kind, at, details });
  }

  addNote(who: Who, reportId: string, version: number, text: string): Promise<ActionResult> {
    return this.change(reportId, version, async (trx, row, now) => {
      const id = newId();
      await trx
        .insertInto('case_notes')
        .values({
          id,
          report_id: reportId,
          staff_id: who.staff.id,
          sealed_body: seal(
            who.keys.contentKey,
            Buffer.from(JSON.stringify({ text })),
            noteAad(reportId, id),
          ),
          created_at: now,
        })
        .execute();
      await this.event(trx, who, reportId, 'note-added', now);
      await this.audit(trx, who, reportId, 'case.note-added', { reference: row.reference });
      return 'note';
    });
  }

  /** A message or question to the reporter's mailbox; the first one sets first_reply_at. */
  writeReporter(
    who: Who,
    reportId: string,
    version: number,
    text: string,
    kind: 'message' | 'question',
  ): Promise<ActionResult> {
    return this.change(reportId, version, async (trx, row, now) => {
      await followUpOf(this.ctx, this.s).addStaffMessageIn(
        trx,
        reportId,
        who.keys.contentKey,
        who.staff.id,
        text,
        kind,
      );
      if (row.first_reply_at === null)
        await trx.updateTable('reports').set({ first_reply_at: now }).where('id', '=', reportId).execute();
      await this.event(trx, who, reportId, kind === 'question' ? 'question-sent' : 'message-sent', now);
      await this.audit(trx, who, reportId, `case.${kind}-sent`, { reference: row.reference });
      return kind;
    });
  }

  setPriority(who: Who, reportId: string, version: number, priority: Priority): Promise<ActionResult> {
    return this.change(reportId, version, async (trx, row, now) => {
      await trx.updateTable('reports').set({ priority }).where('id', '=', reportId).execute();
      await this.event(trx, who, reportId, 'priority-set', now, { priority });
      await this.audit(trx, who, reportId, 'case.priority-set', { reference: row.reference, priority });
      return 'priority';
    });
  }

  addLabel(who: Who, reportId: string, version: number, label: string): Promise<ActionResult> {
    return this.change(reportId, version, async (trx, row, now) => {
      const existing = await trx
        .selectFrom('case_labels')
        .select('label')
        .where('report_id', '=', reportId)
        .execute();
      if (existing.some((l) => l.label === label)) throw new Unchanged('label');
      if (existing.length >= 20) refuse('too-many-labels', 409);
      await trx
        .insertInto('case_labels')
        .values({ report_id: reportId, label, registered_at: Number(row.registered_at) })
        .execute();
      await this.event(trx, who, reportId, 'label-added', now, { label });
      await this.audit(trx, who, reportId, 'case.label-added', { reference: row.reference, label });
      return 'label';
    });
  }

  removeLabel(who: Who, reportId: string, version: number, label: string): Promise<ActionResult> {
    return this.change(reportId, version, async (trx, row, now) => {
      const gone = await trx
        .deleteFrom('case_labels')
        .where('report_id', '=', reportId)
        .where('label', '=', label)
        .executeTakeFirst();
      if (Number(gone.numDeletedRows) === 0) refuse('no-such-label', 409);
      await this.event(trx, who, reportId, 'label-removed', now, { label });
      await this.audit(trx, who, reportId, 'case.label-removed', { reference: row.reference, label });
      return 'unlabel';
    });
  }

  link(who: Who, reportId: string, version: number, reference: string): Promise<ActionResult> {
    return this.change(reportId, version, async (trx, row, now) => {
      const other = await this.repo.byReference(trx, reference);
      if (!other) return refuse('no-such-case', 422);
      if (other.id === reportId) refuse('self-link', 422);
      const existing = await trx
        .selectFrom('case_links')
        .select('report_id')
        .where((eb) =>
          eb.or([
            eb.and([eb('report_id', '=', reportId), eb('linked_id', '=', other.id)]),
            eb.and([eb('report_id', '=', other.id), eb('linked_id', '=', reportId)]),
          ]),
        )
        .executeTakeFirst();
      if (existing) refuse('already-linked', 409);
      await trx
        .insertInto('case_links')
        .values({ report_id: reportId, linked_id: other.id, created_by: who.staff.id, created_at: now })
        .execute();
      await this.event(trx, who, reportId, 'linked', now, { reference: other.reference });
      await this.event(trx, who, other.id, 'linked', now, { reference: row.reference });
      await this.audit(trx, who, reportId, 'case.linked', {
        reference: row.reference,
        linked: other.reference,
      });
      return 'link';
    });
  }

  unlink(who: Who, reportId: string, version: number, linkedId: string): Promise<ActionResult> {
    return this.change(reportId, version, async (trx, row, now) => {
      const gone = await trx
        .deleteFrom('case_links')
        .where((eb) =>
          eb.or([
            eb.and([eb('report_id', '=', reportId), eb('linked_id', '=', linkedId)]),
            eb.and([eb('report_id', '=', linkedId), eb('linked_id', '=', reportId)]),
          ]),
        )
        .executeTakeFirst();
      if (Number(gone.numDeletedRows) === 0) refuse('not-linked', 409);
      const other = await this.repo.meta(linkedId, trx);
      const otherRef = other?.reference ?? '';
      await this.event(trx, who, reportId, 'unlinked', now, { reference: otherRef });
      if (other) await this.event(trx, who, linkedId, 'unlinked', now, { reference: row.reference });
      await this.audit(trx, who, reportId, 'case.unlinked', { reference: row.reference, linked: otherRef });
      return 'unlink';
    });
  }

  /** Seals the case to a handler or supervisor (inside the change); the worker's display name. */
  private async shareIn(trx: Trx, who: Who, row: CaseRow, staffId: string, now: number) {
    const workers = await this.repo.caseWorkers(row.id, trx);
    const target = workers.find((w) => w.id === staffId);
    if (!target) return refuse('no-such-staff', 422);
    if (!target.hasKey) refuse('no-key', 409);
    if (target.shared) return { name: target.displayName, already: true };
    const wrapped = await wrapCaseFor(trx, row.id, who.keys, staffId, now);
    if (!wrapped) refuse('no-key', 409);
    await this.event(trx, who, row.id, 'shared', now, { to: target.displayName });
    await this.audit(trx, who, row.id, 'case.shared', { reference: row.reference, staffId });
    return { name: target.displayName, already: false };
  }

  share(who: Who, reportId: string, version: number, staffId: string): Promise<ActionResult> {
    if (!who.staff.roles.includes('supervisor'))
      return Promise.resolve({ ok: false, problem: 'supervisors-only', status: 403 });
    return this.change(reportId, version, async (trx, row, now) => {
      const r = await this.shareIn(trx, who, row, staffId, now);
      if (r.already) throw new Unchanged('already-shared');
      return 'shared';
    });
  }

  /** Assigns (sharing the case with the assignee first) or, with an empty id, unassigns. */
  assign(who: Who, reportId: string, version: number, staffId: string): Promise<ActionResult> {
    if (!who.staff.roles.includes('supervisor'))
      return Promise.resolve({ ok: false, problem: 'supervisors-only', status: 403 });
    return this.change(reportId, version, async (trx, row, now) => {
      if (staffId === '') {
        await trx.updateTable('reports').set({ assignee_id: null }).where('id', '=', reportId).execute();
        await this.event(trx, who, reportId, 'unassigned', now);
        await this.audit(trx, who, reportId, 'case.assigned', { reference: row.reference, staffId: null });
        return 'assigned';
      }
      const r = await this.shareIn(trx, who, row, staffId, now);
      await trx.updateTable('reports').set({ assignee_id: staffId }).where('id', '=', reportId).execute();
      await this.event(trx, who, reportId, 'assigned', now, { to: r.name });
      await this.audit(trx, who, reportId, 'case.assigned', { reference: row.reference, staffId });
      return 'assigned';
    });
  }

  /** Moves a case to the next stage; acknowledging can send the reporter an acknowledgement. */
  move(
    who: Who,
    reportId: string,
    version: number,
    to: ReportStatus,
    ack: { send: boolean; text: { en: string; 'zh-CN': string } },
  ): Promise<ActionResult> {
    return this.change(reportId, version, async (trx, row, now) => {
      const why = moveProblem(row.status, to);
      if (why) refuse('bad-move', 409, { why, from: row.status });
      const set: Partial<Record<'status' | 'next_due_at' | 'acknowledged_at', unknown>> = {
        status: to,
        next_due_at: nextDueAt(to, {
          ack_due_at: row.ack_due_at === null ? null : Number(row.ack_due_at),
          feedback_due_at: row.feedback_due_at === null ? null : Number(row.feedback_due_at),
        }),
      };
      if (to === 'acknowledged' && row.acknowledged_at === null) set.acknowledged_at = now;
      await trx
        .updateTable('reports')
        .set(set as { status: ReportStatus })
        .where('id', '=', reportId)
        .execute();
      if (to === 'acknowledged' && ack.send)
        await followUpOf(this.ctx, this.s).addStaffMessageIn(
          trx,
          reportId,
          who.keys.contentKey,
          who.staff.id,
          ack.text,
          'acknowledgement',
        );
      await this.event(trx, who, reportId, 'moved', now, { from: row.status, to });
      await this.audit(trx, who, reportId, 'case.moved', { reference: row.reference, from: row.status, to });
      return 'moved';
    });
  }

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
