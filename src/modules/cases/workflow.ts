/**
 * The case workflow (ISO 37002): stages, the transitions allowed between them, the outcomes a case
 * can close with (PRODUCT.md) and which of them need a supervisor's approval. Pure data and rules:
 * services check against these, views label them.
 */
import type { CaseOutcome, ReportStatus } from '../../platform/db/schema.ts';

export const STATUSES: readonly ReportStatus[] = [
  'received',
  'acknowledged',
  'assessing',
  'addressing',
  'concluded',
];

/** Where a case may go from each stage. Concluding goes through conclude(), never a plain move. */
export const TRANSITIONS: Record<ReportStatus, readonly ReportStatus[]> = {
  received: ['acknowledged'],
  acknowledged: ['assessing'],
  assessing: ['addressing', 'concluded'],
  addressing: ['assessing', 'concluded'],
  concluded: [],
};

export const OUTCOMES: readonly CaseOutcome[] = [
  'substantiated',
  'unsubstantiated',
  'insufficient-information',
  'referred',
  'duplicate',
  'out-of-scope',
  'false-or-malicious',
];

/**
 * Outcomes that need a supervisor other than the handler to approve: "knowingly false or
 * malicious" (consequences for the reporter) and "substantiated" (consequences for the person
 * named). No sanction follows from software; a person decides and records why.
 */
export const OUTCOMES_NEEDING_APPROVAL: ReadonlySet<CaseOutcome> = new Set([
  'substantiated',
  'false-or-malicious',
]);

export const PRIORITIES = [1, 2, 3, 4] as const;
export type Priority = (typeof PRIORITIES)[number];

export const DAY_MS = 86_400_000;

/** Whether a move from one stage to another is allowed (concluding included). */
export function canMove(from: ReportStatus, to: ReportStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The next deadline a case still has to meet in a stage; null once concluded. */
export function nextDueAt(
  status: ReportStatus,
  c: { ack_due_at: number | null; feedback_due_at: number | null },
): number | null {
  if (status === 'concluded') return null;
  return status === 'received' ? c.ack_due_at : c.feedback_due_at;
}

export type DeadlineState = 'overdue' | 'due-soon' | 'on-time' | 'none';
/** "Due soon": within this of the deadline, reminders go out and the inbox marks it. */
export const DUE_SOON_MS = 2 * DAY_MS;

export function deadlineState(nextDue: number | null, now: number): DeadlineState {
  if (nextDue === null) return 'none';
  if (nextDue < now) return 'overdue';
  return nextDue - now <= DUE_SOON_MS ? 'due-soon' : 'on-time';
}
