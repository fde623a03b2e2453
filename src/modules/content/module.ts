/**
 * Posts and pages: the editors' back office (drafts, revisions, review, scheduling, the campaign
 * banner) and the public pages that show them. See README.md.
 */
import type { AppContext } from '../../app-context.ts';
import type { FeatureModule } from '../feature.ts';
import { registerContentAdminRoutes } from './admin.routes.ts';
import { contentMessages } from './messages.ts';
import { registerContentPublicRoutes } from './public.routes.ts';
import { ContentRepository } from './repository.ts';
import { ContentService, PUBLISH_DUE_JOB, REINDEX_JOB } from './service.ts';

export const CONTENT_SERVICE = 'content';

/** The content service a module's setup() put in ctx.services. */
export function contentServiceOf(ctx: AppContext): ContentService {
  const service = ctx.services.get(CONTENT_SERVICE);
  if (!(service instanceof ContentService)) throw new Error('the content module is not set up');
  return service;
}

export const contentModule: FeatureModule = {
  name: 'content',
  setup(ctx) {
    const service = new ContentService({
      repo: new ContentRepository(ctx.db),
      audit: ctx.audit,
      search: ctx.search,
      events: ctx.events,
      jobs: ctx.jobs,
      now: ctx.now,
      publicUrl: ctx.config.publicUrl,
    });
    ctx.services.set(CONTENT_SERVICE, service);
  },
  routes(app, ctx) {
    const service = contentServiceOf(ctx);
    registerContentAdminRoutes(app, ctx, service);
    registerContentPublicRoutes(app, ctx, service);
  },
  jobs(worker, ctx) {
    const service = contentServiceOf(ctx);
    worker.register(PUBLISH_DUE_JOB, async () => {
      await service.publishDue();
    });
    worker.register(REINDEX_JOB, async (payload) => {
      const id = (payload as { id?: unknown } | null)?.id;
      if (typeof id === 'string') await service.reindex(id);
    });
  },
  schedules: [{ name: 'content.publish-due', kind: PUBLISH_DUE_JOB, intervalMs: 60_000 }],
  menu: [
    {
      href: '/admin/posts',
      label: (t) => contentMessages(t.htmlLang === 'en' ? 'en' : 'zh-CN').nav.posts,
      roles: ['editor', 'reviewer', 'admin'],
    },
    {
      href: '/admin/banner',
      label: (t) => contentMessages(t.htmlLang === 'en' ? 'en' : 'zh-CN').nav.banner,
      roles: ['editor', 'admin'],
    },
  ],
};
