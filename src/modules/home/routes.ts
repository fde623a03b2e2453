/** The public home page and the language switch. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import {
  appendCookie,
  LANG_COOKIE,
  langOf,
  safeLocalPath,
  serializeCookie,
} from '../../platform/http/request.ts';
import { html } from '../../platform/views/html.ts';
import { type Lang, messages } from '../../platform/views/i18n/index.ts';
import { layout } from '../../platform/views/layout.ts';

export function homeView(lang: Lang, orgName: string, tagline: string): string {
  const t = messages(lang);
  const main = html`<h1>${t.home.title}</h1>
<p class="lead">${tagline || t.home.intro}</p>
<h2>${t.home.whatYouCanDo}</h2>
<ul class="cards">
<li>${t.home.read}</li>
<li>${t.home.learn}</li>
<li>${t.home.report}</li>
</ul>
<p class="notice">${t.home.comingSoon}</p>
<h2>${t.home.safety}</h2>
<p>${t.home.safetyText}</p>`;
  return layout({ lang, t, title: t.home.title, path: '/', siteName: orgName }, main);
}

const LANG_PARAMS = {
  type: 'object',
  properties: { lang: { type: 'string', enum: ['en', 'zh-CN'] } },
  required: ['lang'],
} as const;
const NEXT_QUERY = { type: 'object', properties: { next: { type: 'string', maxLength: 500 } } } as const;

export function registerHomeRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/', { config: { access: 'public' } }, (req, reply) => {
    const lang = langOf(req);
    return ctx.pageCache.send(req, reply, `home:${lang}`, () =>
      homeView(lang, ctx.settings.site.orgName[lang], ctx.settings.site.tagline[lang]),
    );
  });

  // The language choice is remembered in a cookie holding only "en" or "zh-CN": nothing that tells
  // one visitor from another.
  app.get<{ Params: { lang: Lang }; Querystring: { next?: string } }>(
    '/lang/:lang',
    { config: { access: 'public' }, schema: { params: LANG_PARAMS, querystring: NEXT_QUERY } },
    (req, reply) => {
      appendCookie(
        reply,
        serializeCookie(LANG_COOKIE, req.params.lang, {
          maxAgeSeconds: 365 * 86_400,
          sameSite: 'Lax',
          secure: ctx.config.secureCookies,
        }),
      );
      return reply.header('cache-control', 'no-store').redirect(safeLocalPath(req.query.next, '/'), 303);
    },
  );
}
