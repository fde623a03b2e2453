/**
 * The case timeline: one row per thing that happened to a case (stage moves, assignment, shares,
 * labels, approvals, flags, reads of the identity...). Details are non-identifying facts only
 * (codes, labels, staff names): anything a person wrote goes sealed into notes or messages.
 * Sensitive acts are also written to the audit log by the service that performs them.
 */
import type { Transaction } from 'kysely';
import type { Actor, AuditLog } from '../../platform/audit/audit-log.ts';
import type { Database } from '../../platform/db/schema.ts';

export async function recordCaseEvent(
  trx: Transaction<Database>,
  e: { reportId: string; actor: Actor; kind: string; at: number; details?: Record<string, unknown> },
): Promise<void> {
  await trx
    .insertInto('case_events')
    .values({
      report_id: e.reportId,
      at: e.at,
      actor_id: e.actor.id,
      actor_label: e.actor.label,
      kind: e.kind,
      details: JSON.stringify(e.details ?? {}),
    })
    .execute();
}

/**
 * A sensitive act on a case: the audit entry and the timeline event together, in the caller's
 * transaction. The audit details name the report by id only (never content); the event's details
 * default to the audit's.
 */
export async function recordCaseAct(
  audit: AuditLog,
  trx: Transaction<Database>,
  a: {
    reportId: string;
    actor: Actor;
    at: number;
    action: string;
    kind: string;
    details?: Record<string, unknown>;
    eventDetails?: Record<string, unknown>;
  },
): Promise<void> {
  await audit.record(
    {
      actor: a.actor,
      action: a.action,
      targetType: 'report',
      targetId: a.reportId,
      details: a.details ?? {},
    },
    trx,
  );
  await recordCaseEvent(trx, {
    reportId: a.reportId,
    actor: a.actor,
    kind: a.kind,
    at: a.at,
    details: a.eventDetails ?? a.details ?? {},
  });
}
