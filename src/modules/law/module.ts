/** The law explainer: a law as chapters and articles, each with a plain-language note. */
import type { AppContext } from '../../app-context.ts';
import type { FeatureModule } from '../feature.ts';
import { lawMessages } from './messages.ts';
import { registerLawRoutes } from './routes.ts';
import { LawService } from './service.ts';

export const LAW_SERVICE = 'law';

/** The law service of this app (set up by the module). */
export function lawService(ctx: AppContext): LawService {
  const service = ctx.services.get(LAW_SERVICE);
  if (!(service instanceof LawService)) throw new Error('the law module is not set up');
  return service;
}

export const lawModule: FeatureModule = {
  name: 'law',
  setup(ctx) {
    const service = new LawService(ctx);
    ctx.services.set(LAW_SERVICE, service);
    // A change announced by anyone (this module, a content pack, another module) drops the snapshot.
    ctx.events.on('content.changed', (e) => {
      if (e.kind === 'law') service.invalidate();
    });
  },
  routes(app, ctx) {
    registerLawRoutes(app, ctx, lawService(ctx));
  },
  menu: [
    {
      href: '/admin/law',
      label: (t) => lawMessages(t.htmlLang === 'en' ? 'en' : 'zh-CN').adminTitle,
      roles: ['editor', 'admin'],
    },
  ],
};
