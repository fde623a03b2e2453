/** Guides on what to look out for, by audience, each with a "Report this" button. */
import type { AppContext } from '../../app-context.ts';
import type { FeatureModule } from '../feature.ts';
import { guideMessages } from './messages.ts';
import { registerGuideRoutes } from './routes.ts';
import { GuidesService } from './service.ts';

export const GUIDES_SERVICE = 'guides';

/** The guides service of this app (set up by the module). */
export function guidesService(ctx: AppContext): GuidesService {
  const service = ctx.services.get(GUIDES_SERVICE);
  if (!(service instanceof GuidesService)) throw new Error('the guides module is not set up');
  return service;
}

export const guidesModule: FeatureModule = {
  name: 'guides',
  setup(ctx) {
    const service = new GuidesService(ctx);
    ctx.services.set(GUIDES_SERVICE, service);
    ctx.events.on('content.changed', (e) => {
      if (e.kind === 'guide') service.invalidate();
    });
  },
  routes(app, ctx) {
    registerGuideRoutes(app, ctx, guidesService(ctx));
  },
  menu: [
    {
      href: '/admin/guides',
      label: (t) => guideMessages(t.htmlLang === 'en' ? 'en' : 'zh-CN').adminTitle,
      roles: ['editor', 'admin'],
    },
  ],
};
