/**
 * One jobs table for both databases. PostgreSQL workers claim with FOR UPDATE SKIP LOCKED, so any
 * number of worker processes can share the table; SQLite has a single writer, so its claim is one
 * atomic UPDATE ... RETURNING. A claimed job carries a lease: if its worker dies, the lease runs
 * out and another worker takes it again.
 */

import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Db, Dialect } from '../db/index.ts';
import type { Database, JobsTable } from '../db/schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface EnqueueOptions {
  runAt?: number;
  maxAttempts?: number;
}

export type ClaimedJob = Pick<JobsTable, 'kind' | 'payload' | 'attempts' | 'max_attempts'> & { id: number };

export class JobQueue {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds a job; pass a transaction to enqueue it atomically with the change that causes it. */
  async enqueue(
    kind: string,
    payload: unknown = {},
    options: EnqueueOptions = {},
    exec: Executor = this.db,
  ): Promise<number> {
    const now = this.now();
    const row = await exec
      .insertInto('jobs')
      .values({
        kind,
        payload: JSON.stringify(payload),
        status: 'queued',
        run_at: options.runAt ?? now,
        attempts: 0,
        max_attempts: options.maxAttempts ?? 5,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** Claims up to `limit` due jobs for `workerId`, leasing them for `leaseMs`. */
  async claim(workerId: string, limit: number, leaseMs: number): Promise<ClaimedJob[]> {
    const now = this.now();
    // A job whose worker died on its last allowed attempt (a job that kills its worker, say) is
    // parked instead of being taken again forever.
    await this.db
      .updateTable('jobs')
      .set({
        status: 'parked',
        last_error: 'the worker stopped while running it (lease expired)',
        locked_by: null,
        locked_until: null,
        updated_at: now,
      })
      .where('status', '=', 'running')
      .where('locked_until', '<', now)
      .where((eb) => eb('attempts', '>=', eb.ref('max_attempts')))
      .execute();
    const due = sql<boolean>`(status = 'queued' and run_at <= ${now}) or (status = 'running' and locked_until < ${now})`;
    if (this.dialect === 'postgres') {
      const rows = await sql<ClaimedJob>`
        update jobs set status = 'running', locked_by = ${workerId}, locked_until = ${now + leaseMs},
          attempts = attempts + 1, updated_at = ${now}
        where id in (
          select id from jobs where ${due} order by run_at, id limit ${limit} for update skip locked
        )
        returning id, kind, payload, attempts, max_attempts`.execute(this.db);
      return rows.rows.map((r) => ({ ...r, id: Number(r.id) }));
    }
    const rows = await sql<ClaimedJob>`
      update jobs set status = 'running', locked_by = ${workerId}, locked_until = ${now + leaseMs},
        attempts = attempts + 1, updated_at = ${now}
      where id in (select id from jobs where ${due} order by run_at, id limit ${limit})
      returning id, kind, payload, attempts, max_attempts`.execute(this.db);
    return rows.rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  async complete(id: number, workerId: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ status: 'done', locked_by: null, locked_until: null, updated_at: this.now() })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .execute();
  }

  /** Schedules a retry with exponential back-off, or parks the job with its error once attempts run out. */
  /** Returns 'lost' when this worker no longer holds the job (its lease ran out and another took it). */
  async fail(
    job: ClaimedJob,
    workerId: string,
    error: string,
    baseBackoffMs: number,
  ): Promise<'retry' | 'parked' | 'lost'> {
    const now = this.now();
    const parked = job.attempts >= job.max_attempts;
    const backoff = baseBackoffMs * 2 ** (job.attempts - 1);
    const r = await this.db
      .updateTable('jobs')
      .set({
        status: parked ? 'parked' : 'queued',
        run_at: parked ? now : now + backoff,
        last_error: error.slice(0, 2000),
        locked_by: null,
        locked_until: null,
        updated_at: now,
      })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return 'lost';
    return parked ? 'parked' : 'retry';
  }

  /** Removes finished jobs older than the cut-off, so the table stays small. */
  async pruneDone(olderThan: number): Promise<number> {
    const r = await this.db
      .deleteFrom('jobs')
      .where('status', '=', 'done')
      .where('updated_at', '<', olderThan)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
