/**
 * Feeds (RSS, Atom, JSON Feed), the sitemap and robots.txt, and daily view counts. Other modules use
 * `ctx.services.get('views')` (a ViewsService) to count a public page view, and `feedAlternateLinks`
 * for the <link rel="alternate"> tags of a page.
 */
import type { AppContext } from '../../app-context.ts';
import type { FeatureModule } from '../feature.ts';
import { feedMessages } from './messages.ts';
import { ViewCounter, type ViewsService } from './page-views.ts';
import { FeedRepository } from './repository.ts';
import { registerFeedRoutes } from './routes.ts';
import { FeedService } from './service.ts';

export { feedAlternateLinks } from './routes.ts';
export type { ViewsService };

interface FeedsState {
  feeds: FeedService;
  counter: ViewCounter;
  warn: (err: unknown) => void;
}

const state = new WeakMap<AppContext, FeedsState>();

export const feedsModule: FeatureModule = {
  name: 'feeds',
  setup(ctx) {
    const feeds = new FeedService(ctx, new FeedRepository(ctx.db, ctx.dialect));
    // A failed flush keeps its counts for the next one; routes() points the warning at the app's log.
    const counter = new ViewCounter(ctx.db, ctx.now, (err) => s.warn(err));
    const clear = () => feeds.cache.clear();
    ctx.events.on('content.changed', clear);
    ctx.events.on('post.published', clear);
    ctx.events.on('post.unpublished', clear);
    ctx.settings.onChange(clear);
    ctx.services.set('feeds', feeds);
    ctx.services.set('views', counter satisfies ViewsService);
    // Every public page served from the page cache (by Fastify or the fast path) counts one view
    // for its path and day: no cookie, nothing about the reader.
    ctx.pageCache.onServe = (path) => counter.countView(path);
    const s: FeedsState = { feeds, counter, warn: () => {} };
    state.set(ctx, s);
  },
  routes(app, ctx) {
    const s = state.get(ctx);
    if (!s) throw new Error('feeds: setup() must run before routes()');
    s.warn = (err) => app.log.warn({ err }, 'view counts flush failed');
    registerFeedRoutes(app, ctx, s.feeds, s.counter);
    // preClose, not onClose: onClose hooks run in reverse order, so the database (whose hook is added
    // last) would already be closed. Views of requests still in flight after this are not counted.
    app.addHook('preClose', async () => {
      await s.counter.close().catch(s.warn);
    });
  },
  menu: [
    {
      href: '/admin/views',
      label: (t) => feedMessages(t.htmlLang === 'en' ? 'en' : 'zh-CN').navViews,
      roles: ['editor', 'reviewer', 'admin'],
    },
  ],
};
