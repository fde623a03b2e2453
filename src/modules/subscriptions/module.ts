/**
 * Email subscriptions: the public form, double opt-in, notices of new posts sent by jobs in batches,
 * and one-click unsubscribe. Addresses are sealed at rest and used for nothing else.
 */
import type { AppContext } from '../../app-context.ts';
import { RateLimiter } from '../../platform/http/throttle.ts';
import type { FeatureModule } from '../feature.ts';
import { Mailer } from './mailer.ts';
import { SubscriptionsRepository } from './repository.ts';
import { registerSubscriptionRoutes } from './routes.ts';
import {
  CONFIRM_JOB,
  type ConfirmJobPayload,
  NOTIFY_JOB,
  type NotifyJobPayload,
  PURGE_JOB,
  SubscriptionService,
} from './service.ts';

export { CONFIRM_JOB, NOTIFY_JOB, PURGE_JOB, SubscriptionService };

const services = new WeakMap<AppContext, SubscriptionService>();

/** The module's service for this app (created on first use). */
export function subscriptionsOf(ctx: AppContext): SubscriptionService {
  let service = services.get(ctx);
  if (!service) {
    const mailer = ctx.config.smtp ? new Mailer(ctx.config.smtp) : undefined;
    service = new SubscriptionService(ctx, new SubscriptionsRepository(ctx.db), mailer);
    services.set(ctx, service);
  }
  return service;
}

/** Subscribe submissions this node accepts: a burst of 30, then one every 2 seconds. */
export const SUBSCRIBE_RATE = { capacity: 30, perSecond: 0.5 };

export const subscriptionsModule: FeatureModule = {
  name: 'subscriptions',
  setup(ctx) {
    const service = subscriptionsOf(ctx);
    ctx.services.set('subscriptions', service);
    ctx.events.on('post.published', (e) => service.onPublished(e));
  },
  routes(app, ctx) {
    const limiter = new RateLimiter(SUBSCRIBE_RATE.capacity, SUBSCRIBE_RATE.perSecond, ctx.now);
    registerSubscriptionRoutes(app, ctx, subscriptionsOf(ctx), limiter);
  },
  jobs(worker, ctx) {
    const service = subscriptionsOf(ctx);
    worker.register(CONFIRM_JOB, (payload) => service.runConfirmJob(payload as ConfirmJobPayload));
    worker.register(NOTIFY_JOB, async (payload) => {
      await service.runNotifyJob(payload as NotifyJobPayload);
    });
    worker.register(PURGE_JOB, async () => {
      await service.purgePending();
    });
  },
  schedules: [{ name: 'subscriptions.purge', kind: PURGE_JOB, intervalMs: 60 * 60_000 }],
};
