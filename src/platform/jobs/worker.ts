/**
 * The worker loop: claim due jobs, run their handlers, complete or fail them; tick the scheduler.
 * Handler errors are recorded with the job (message only, never the payload) and retried with
 * exponential back-off; after max_attempts the job is parked for a person to look at.
 */
import crypto from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { ClaimedJob, JobQueue } from './queue.ts';
import type { Scheduler } from './scheduler.ts';

export type JobHandler = (payload: unknown, job: ClaimedJob) => Promise<void>;

export interface WorkerOptions {
  pollMs?: number;
  batch?: number;
  leaseMs?: number;
  backoffMs?: number;
  id?: string;
}

export class Worker {
  readonly id: string;
  private readonly handlers = new Map<string, JobHandler>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly pollMs: number;
  private readonly batch: number;
  private readonly leaseMs: number;
  private readonly backoffMs: number;

  constructor(
    private readonly queue: JobQueue,
    private readonly scheduler: Scheduler | undefined,
    readonly log: Pick<FastifyBaseLogger, 'warn' | 'error' | 'info'>,
    options: WorkerOptions = {},
  ) {
    this.id = options.id ?? `w-${crypto.randomBytes(4).toString('hex')}`;
    this.pollMs = options.pollMs ?? 1000;
    this.batch = options.batch ?? 10;
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
    this.backoffMs = options.backoffMs ?? 30_000;
  }

  register(kind: string, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Runs one round: a scheduler tick, then every claimable job. Returns how many jobs ran. */
  async runOnce(): Promise<number> {
    if (this.scheduler) await this.scheduler.tick();
    let total = 0;
    for (;;) {
      const jobs = await this.queue.claim(this.id, this.batch, this.leaseMs);
      if (jobs.length === 0) return total;
      for (const job of jobs) await this.runJob(job);
      total += jobs.length;
    }
  }

  private async runJob(job: ClaimedJob): Promise<void> {
    const handler = this.handlers.get(job.kind);
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(JSON.parse(job.payload), job);
      await this.queue.complete(job.id, this.id);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const outcome = await this.queue.fail(job, this.id, message, this.backoffMs);
      const log = outcome === 'parked' ? this.log.error.bind(this.log) : this.log.warn.bind(this.log);
      const what =
        outcome === 'lost' ? 'job failed after its lease ran out (another worker has it)' : 'job failed';
      log({ job: job.id, kind: job.kind, attempt: job.attempts, outcome }, `${what}: ${message}`);
    }
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = () => {
      this.timer = undefined;
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.log.error({ err }, 'worker round failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(loop, this.pollMs);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
