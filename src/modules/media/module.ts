/** Wires the media module: its service (also in ctx.services as 'media'), routes and menu entry. */
import type { AppContext } from '../../app-context.ts';
import { setMediaMarkup } from '../content/media-markup.ts';
import type { FeatureModule } from '../feature.ts';
import { mediaMessagesFor } from './messages.ts';
import { registerMediaRoutes, VIEW_ROLES } from './routes.ts';
import { MediaService } from './service.ts';
import { imageMarkup, videoMarkup } from './views.ts';

export { MediaService } from './service.ts';

const services = new WeakMap<AppContext, MediaService>();

/** The media service of an app (what `ctx.services.get('media')` holds), typed. */
export function mediaServiceOf(ctx: AppContext): MediaService {
  const service = services.get(ctx) ?? (ctx.services.get('media') as MediaService | undefined);
  if (!service) throw new Error('the media module is not set up');
  return service;
}

export const mediaModule: FeatureModule = {
  name: 'media',
  setup(ctx) {
    const service = new MediaService({
      db: ctx.db,
      audit: ctx.audit,
      events: ctx.events,
      now: ctx.now,
      dataDir: ctx.config.dataDir,
      maxImageBytes: ctx.config.mediaMaxImageBytes,
      maxVideoBytes: ctx.config.mediaMaxVideoBytes,
    });
    service.storage.ensure();
    // Uploads a crash left half-received; never fails start-up.
    void service.storage.sweepIncoming(Date.now()).catch(() => {});
    services.set(ctx, service);
    ctx.services.set('media', service);
    // Posts render covers and videos through the content module's hook: use this module's markup.
    setMediaMarkup({
      image: (item, o) => imageMarkup(item, o.lang, o.sizes, { className: o.className, loading: o.loading }),
      video: (bundle, o) => videoMarkup(bundle.video, bundle.poster, bundle.captions, o.lang),
    });
  },
  routes(app, ctx) {
    registerMediaRoutes(app, ctx, mediaServiceOf(ctx));
  },
  menu: [{ href: '/admin/media', label: (t) => mediaMessagesFor(t).nav, roles: VIEW_ROLES }],
};
