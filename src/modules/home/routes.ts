/** The public home page (banner, menu, pinned and latest posts) and the language switch. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import {
  appendCookie,
  LANG_COOKIE,
  langOf,
  safeLocalPath,
  serializeCookie,
} from '../../platform/http/request.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { type Lang, messages } from '../../platform/views/i18n/index.ts';
import { layout } from '../../platform/views/layout.ts';
import { postCard } from '../content/public.views.ts';
import { type Banner, type ContentService, EMPTY_BANNER, type ListedPost } from '../content/service.ts';
import { homeMessages } from './messages.ts';

export interface HomeData {
  banner: Banner;
  pinned: ListedPost | undefined;
  latest: ListedPost[];
}

const EMPTY_HOME: HomeData = { banner: EMPTY_BANNER, pinned: undefined, latest: [] };

function bannerBox(lang: Lang, banner: Banner): SafeHtml | string {
  const text = banner[lang];
  if (!banner.active || !text) return '';
  const h = homeMessages(lang);
  const external = /^https?:/i.test(banner.link);
  return html`<aside class="banner" aria-label="${h.banner}"><p>${text}${
    banner.link
      ? html` <a href="${banner.link}"${external ? html` rel="noopener noreferrer"` : ''}>${h.bannerMore}</a>`
      : ''
  }</p></aside>`;
}

/** The home page, like an official account's: banner, menu, pinned post, latest posts. */
export function homeView(
  lang: Lang,
  orgName: string,
  tagline: string,
  data: HomeData = EMPTY_HOME,
  publicUrl = '',
): string {
  const t = messages(lang);
  const h = homeMessages(lang);
  const menu: [string, string, string][] = [
    ['/report', h.report, h.reportText],
    ['/guides', h.learn, h.learnText],
    ['/law', h.law, h.lawText],
    ['/posts', h.posts, h.postsText],
  ];
  const main = html`${bannerBox(lang, data.banner)}
<h1>${t.home.title}</h1>
<p class="lead">${tagline || t.home.intro}</p>
<section aria-labelledby="home-menu">
<h2 id="home-menu">${h.menu}</h2>
<ul class="cards menu-cards">${menu.map(
    ([href, label, text]) =>
      html`<li><a href="${href}"><strong>${label}</strong><span>${text}</span></a></li>`,
  )}</ul>
</section>
${
  data.pinned
    ? html`<section class="pinned" aria-labelledby="home-pinned"><h2 id="home-pinned">${h.pinned}</h2>${postCard(data.pinned, lang, 3)}</section>`
    : ''
}
${
  data.latest.length > 0
    ? html`<section aria-labelledby="home-latest"><h2 id="home-latest">${h.latest}</h2>
<ul class="post-list">${data.latest.map((p) => html`<li>${postCard(p, lang, 3)}</li>`)}</ul>
<p><a href="/posts">${h.allPosts}</a></p></section>`
    : ''
}
<h2>${t.home.safety}</h2>
<p>${t.home.safetyText}</p>`;
  const head = publicUrl
    ? html`<link rel="canonical" href="${publicUrl}/">
<meta name="description" content="${tagline || t.home.intro}">
<meta property="og:type" content="website">
<meta property="og:site_name" content="${orgName}">
<meta property="og:title" content="${orgName}">
<meta property="og:description" content="${tagline || t.home.intro}">
<meta property="og:url" content="${publicUrl}/">`
    : undefined;
  return layout({ lang, t, title: t.home.title, path: '/', siteName: orgName, head }, main);
}

const LANG_PARAMS = {
  type: 'object',
  properties: { lang: { type: 'string', enum: ['en', 'zh-CN'] } },
  required: ['lang'],
} as const;
const NEXT_QUERY = { type: 'object', properties: { next: { type: 'string', maxLength: 500 } } } as const;

export function registerHomeRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/', { config: { access: 'public' } }, async (req, reply) => {
    const lang = langOf(req);
    const content = ctx.services.get('content') as ContentService | undefined;
    await ctx.pageCache.sendAsync(req, reply, `home:${lang}`, async () =>
      homeView(
        lang,
        ctx.settings.site.orgName[lang],
        ctx.settings.site.tagline[lang],
        content ? await content.homeData(lang) : EMPTY_HOME,
        ctx.config.publicUrl,
      ),
    );
    return reply;
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
