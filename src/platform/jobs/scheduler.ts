/**
 * Recurring work. Each schedule row holds its next run time; advancing it is a compare-and-set
 * (UPDATE ... WHERE next_run_at = the value read), so when several processes tick at once exactly
 * one of them enqueues the job.
 */
import type { Db } from '../db/index.ts';
import type { JobQueue } from './queue.ts';

export interface ScheduleDefinition {
  name: string;
  kind: string;
  intervalMs: number;
  payload?: unknown;
}

export class Scheduler {
  constructor(
    private readonly db: Db,
    private readonly queue: JobQueue,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates or updates the schedule rows; a new schedule first runs one interval from now. */
  async define(definitions: ScheduleDefinition[]): Promise<void> {
    const now = this.now();
    for (const d of definitions) {
      await this.db
        .insertInto('schedules')
        .values({
          name: d.name,
          kind: d.kind,
          payload: JSON.stringify(d.payload ?? {}),
          interval_ms: d.intervalMs,
          next_run_at: now + d.intervalMs,
        })
        .onConflict((oc) =>
          oc.column('name').doUpdateSet({
            kind: d.kind,
            payload: JSON.stringify(d.payload ?? {}),
            interval_ms: d.intervalMs,
          }),
        )
        .execute();
    }
  }

  /** Enqueues every due schedule once; returns the names enqueued by this call. */
  async tick(): Promise<string[]> {
    const now = this.now();
    const due = await this.db.selectFrom('schedules').selectAll().where('next_run_at', '<=', now).execute();
    const enqueued: string[] = [];
    for (const s of due) {
      // Advancing the schedule and enqueueing its job commit together: a crash between them
      // can neither lose a run nor enqueue it twice.
      const won = await this.db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('schedules')
          .set({ next_run_at: now + s.interval_ms })
          .where('name', '=', s.name)
          .where('next_run_at', '=', s.next_run_at)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) return false;
        await this.queue.enqueue(s.kind, JSON.parse(s.payload), { maxAttempts: 3 }, trx);
        return true;
      });
      if (won) enqueued.push(s.name);
    }
    return enqueued;
  }
}
