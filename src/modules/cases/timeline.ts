/**
 * The case timeline: one row per thing that happened to a case (stage moves, assignment, shares,
 * labels, approvals, flags, reads of the identity...). Details are non-identifying facts only
 * (codes, labels, staff names): anything a person wrote goes sealed into notes or messages.
 * Sensitive acts are also written to the audit log by the service that performs them.
 */
import type { Transaction } from 'kysely';
import type { Actor } from '../../platform/audit/audit-log.ts';
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
