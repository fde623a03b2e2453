/**
 * Deadline reminders, every 15 minutes (module.ts schedules DEADLINES_JOB). For each open case
 * whose next deadline is within DUE_SOON_MS: a reminder to the assignee (or, while nobody is
 * assigned, to the channel's recipients); within a day of the deadline or past it: an escalation
 * to every supervisor. Each goes out as a back-office notice and an e-mail that names the case's
 * reference and which deadline, nothing of the report.
 *
 * case_reminders (report_id, kind, due_at) is claimed in the same transaction as the notices, so a
 * reminder is sent once even when two workers run the job; a deadline that moves (the case moved on
 * to its feedback deadline) is a new due_at, so it gets its own reminder. E-mails go after the
 * commit: a failed e-mail is logged, the notice stays, and nothing is sent twice.
 * Cases are read in batches, keyset over (next_due_at, id), which the reports_next_due index serves.
 */
import type { AppContext } from '../../app-context.ts';
import {
  addNotices,
  channelRecipientIds,
  mailStaff,
  type NoticeDetails,
  type NoticeKind,
  noticeMail,
  supervisorIds,
} from './staff-notices.ts';
import { DAY_MS, DUE_SOON_MS } from './workflow.ts';

export const DEADLINES_JOB = 'cases.deadlines';
const BATCH = 500;
/** Escalation to supervisors this close to a deadline, or past it. */
export const ESCALATE_MS = DAY_MS;

export interface DeadlineOutcome {
  reminders: number;
  escalations: number;
  mails: number;
  mailFailures: number;
}

export async function runDeadlinesJob(ctx: AppContext): Promise<void> {
  await sendDeadlineReminders(ctx);
}

interface Send {
  staffIds: string[];
  kind: NoticeKind;
  details: NoticeDetails;
  reference: string;
}

export async function sendDeadlineReminders(ctx: AppContext): Promise<DeadlineOutcome> {
  const done: DeadlineOutcome = { reminders: 0, escalations: 0, mails: 0, mailFailures: 0 };
  const now = ctx.now();
  const horizon = now + DUE_SOON_MS;
  let supervisors: string[] | undefined;
  let after: { due: number; id: string } | undefined;
  for (;;) {
    let q = ctx.db
      .selectFrom('reports')
      .select(['id', 'reference', 'status', 'channel_id', 'assignee_id', 'next_due_at'])
      .where('next_due_at', 'is not', null)
      .where('next_due_at', '<=', horizon)
      .where('status', '!=', 'concluded')
      // A case already escalated for this deadline has had everything it will get: skip it, so a
      // backlog of overdue cases costs a read per run, not a write transaction each.
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('case_reminders as cr')
              .select('cr.report_id')
              .whereRef('cr.report_id', '=', 'reports.id')
              .where('cr.kind', 'in', ['ack-escalation', 'feedback-escalation'])
              .whereRef('cr.due_at', '=', 'reports.next_due_at'),
          ),
        ),
      );
    if (after) {
      const a = after;
      q = q.where((eb) =>
        eb.or([eb('next_due_at', '>', a.due), eb.and([eb('next_due_at', '=', a.due), eb('id', '>', a.id)])]),
      );
    }
    const rows = await q.orderBy('next_due_at').orderBy('id').limit(BATCH).execute();
    if (rows.length === 0) break;
    const last = rows[rows.length - 1]!;
    after = { due: Number(last.next_due_at), id: last.id };
    for (const r of rows) {
      const due = Number(r.next_due_at);
      const which = r.status === 'received' ? 'ack' : 'feedback';
      const escalate = due - now <= ESCALATE_MS;
      const recipients = r.assignee_id ? [r.assignee_id] : await channelRecipientIds(ctx.db, r.channel_id);
      if (escalate) supervisors ??= await supervisorIds(ctx.db);
      const sends: Send[] = await ctx.db.transaction().execute(async (trx) => {
        const out: Send[] = [];
        const claim = async (kind: string) => {
          const res = await trx
            .insertInto('case_reminders')
            .values({ report_id: r.id, kind, due_at: due, sent_at: now })
            .onConflict((oc) => oc.columns(['report_id', 'kind', 'due_at']).doNothing())
            .executeTakeFirst();
          return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
        };
        if (await claim(`${which}-reminder`)) {
          const send: Send = {
            staffIds: recipients,
            kind: `${which}-due-soon`,
            details: { dueAt: due, overdue: due < now },
            reference: r.reference,
          };
          await addNotices(trx, send.staffIds, r.id, send.kind, send.details, now);
          out.push(send);
        }
        if (escalate && (await claim(`${which}-escalation`))) {
          const send: Send = {
            staffIds: supervisors ?? [],
            kind: `${which}-escalated`,
            details: { dueAt: due, overdue: due < now },
            reference: r.reference,
          };
          await addNotices(trx, send.staffIds, r.id, send.kind, send.details, now);
          out.push(send);
        }
        return out;
      });
      for (const s of sends) {
        if (s.kind.endsWith('escalated')) done.escalations++;
        else done.reminders++;
        const mailed = await mailStaff(ctx, s.staffIds, noticeMail(ctx, s.kind, s.details, s.reference));
        done.mails += mailed.sent;
        done.mailFailures += mailed.failed;
      }
    }
    if (rows.length < BATCH) break;
  }
  return done;
}
