/**
 * The worker role's job handlers and schedules. Session clean-up is the first; later features
 * (deadline reminders, retention purges, notification emails) add theirs here.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from './app-context.ts';
import type { AccountsModule } from './modules/accounts/module.ts';
import { FEATURES } from './modules/index.ts';
import { optimizeSqlite } from './platform/db/index.ts';
import { Throttle } from './platform/http/throttle.ts';
import { Worker, type WorkerOptions } from './platform/jobs/worker.ts';

export const CLEANUP_JOB = 'maintenance.cleanup';
const DAY = 86_400_000;

export async function createWorker(
  ctx: AppContext,
  accounts: AccountsModule,
  log: FastifyBaseLogger,
  options: WorkerOptions = {},
): Promise<Worker> {
  const worker = new Worker(ctx.jobs, ctx.scheduler, log, options);
  // The policy here only matters for purging: entries past their window and block are forgotten.
  const throttles = new Throttle(
    ctx.db,
    ctx.keys.throttle,
    { freeFailures: 5, windowMs: 15 * 60_000, baseBlockMs: 60_000, maxBlockMs: 3_600_000 },
    ctx.now,
  );
  worker.register(CLEANUP_JOB, async () => {
    const sessions = await ctx.sessions.purgeExpired();
    const stale = await throttles.purgeStale();
    const tokens = await accounts.repo.purgeOldTokens(ctx.now() - 7 * DAY);
    const jobs = await ctx.jobs.pruneDone(ctx.now() - 7 * DAY);
    optimizeSqlite(ctx.handle);
    log.info({ sessions, throttles: stale, tokens, jobs }, 'clean-up done');
  });
  for (const feature of FEATURES) feature.jobs?.(worker, ctx);
  await ctx.scheduler.define([
    { name: 'cleanup', kind: CLEANUP_JOB, intervalMs: 10 * 60_000 },
    ...FEATURES.flatMap((f) => f.schedules ?? []),
  ]);
  return worker;
}
