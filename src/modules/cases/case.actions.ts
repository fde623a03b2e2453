import { seal } from '../../platform/crypto/index.ts';
import type { ReportStatus } from '../../platform/db/schema.ts';
import { followUpOf } from '../reports/followup.service.ts';
import { newId, wrapCaseFor } from './access.ts';
import {
  type ActionResult,
  CaseChanges,
  type MoveReason,
  refuse,
  type Trx,
  Unchanged,
  type Who,
} from './case.change.ts';
import type { CaseRow } from './case.repository.ts';
import { noteAad } from './case.service.ts';
import { canMove, nextDueAt, type Priority } from './workflow.ts';

export type { ActionResult, MoveReason, Who } from './case.change.ts';

export const TEXT_MAX = 10_000;

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

export class CaseActions extends CaseChanges {
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
}
