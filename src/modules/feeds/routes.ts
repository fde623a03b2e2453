/**
 * Public: the feeds (RSS 2.0, Atom, JSON Feed; all posts, per language, per tag), /sitemap.xml and
 * /robots.txt, all generated once and served from the cache with ETag/Last-Modified.
 * Back office: /admin/views, daily view counts for editors, reviewers and admins.
 *
 * Feed addresses (the language is a path prefix; there is no ?lang= form):
 *   /feed.xml  /feed.atom  /feed.json                       every language
 *   /zh-CN/feed.xml  /en/feed.atom ...                      one language
 *   /tags/<tag>/feed.xml  /en/tags/<tag>/feed.json ...      one tag (404 when no post has it)
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { langOf } from '../../platform/http/request.ts';
import { html, type SafeHtml } from '../../platform/views/html.ts';
import { fill, LANGS, type Lang } from '../../platform/views/i18n/index.ts';
import { feedMessages } from './messages.ts';
import { type ViewCounter, viewsReport } from './page-views.ts';
import { type FeedRequest, FeedService, TAG_PATTERN } from './service.ts';
import { FEED_EXTENSIONS, FEED_TYPES, type FeedFormat, feedPath } from './urls.ts';

class BadParameter extends Error {
  readonly statusCode = 400;
}

const TAG_PARAMS = {
  type: 'object',
  properties: { tag: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['tag'],
} as const;

/** Feeds may be read by any site (web feed readers); they hold only what is public anyway. */
const FEED_HEADERS = {
  'access-control-allow-origin': '*',
  'cross-origin-resource-policy': 'cross-origin',
};

const VIEW_PERIODS = [7, 30, 90] as const;
const VIEWS_QUERY = {
  type: 'object',
  properties: { days: { type: 'string', enum: VIEW_PERIODS.map(String) } },
  additionalProperties: true,
} as const;

export function registerFeedRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  feeds: FeedService,
  counter: ViewCounter,
): void {
  const serveFeed = (req: FastifyRequest, reply: FastifyReply, r: FeedRequest) =>
    feeds.cache.send(req, reply, FeedService.cacheKey(r), () => feeds.generate(r), FEED_HEADERS);

  for (const lang of [undefined, ...LANGS]) {
    for (const format of Object.keys(FEED_EXTENSIONS) as FeedFormat[]) {
      app.get(feedPath(format, lang), { config: { access: 'public' } }, (req, reply) =>
        serveFeed(req, reply, { format, lang }),
      );
      const tagged = `${lang ? `/${lang}` : ''}/tags/:tag/feed.${FEED_EXTENSIONS[format]}`;
      app.get<{ Params: { tag: string } }>(
        tagged,
        { config: { access: 'public' }, schema: { params: TAG_PARAMS } },
        (req, reply) => {
          const tag = req.params.tag.normalize('NFC');
          if (!TAG_PATTERN.test(tag)) throw new BadParameter('malformed tag');
          return serveFeed(req, reply, { format, lang, tag });
        },
      );
    }
  }

  app.get('/sitemap.xml', { config: { access: 'public' } }, (req, reply) =>
    feeds.cache.send(req, reply, 'sitemap', () => feeds.sitemap()),
  );
  app.get('/robots.txt', { config: { access: 'public' } }, (req, reply) =>
    feeds.cache.send(req, reply, 'robots', async () => feeds.robots()),
  );

  app.get<{ Querystring: { days?: string } }>(
    '/admin/views',
    { config: { access: ['editor', 'reviewer', 'admin'] }, schema: { querystring: VIEWS_QUERY } },
    async (req, reply) => {
      const lang = langOf(req);
      const m = feedMessages(lang);
      const days = Number(req.query.days ?? 30);
      // What this node counted so far shows at once; other nodes' counts arrive within ~10 s.
      await counter.flush().catch((err: unknown) => req.log.warn({ err }, 'view counts flush failed'));
      const report = await viewsReport(ctx.db, ctx.now(), days);
      return ctx.pages.admin(req, reply, m.viewsTitle, viewsPage(lang, days, report));
    },
  );
}

function viewsPage(lang: Lang, days: number, report: Awaited<ReturnType<typeof viewsReport>>): SafeHtml {
  const m = feedMessages(lang);
  const n = (x: number) => x.toLocaleString(lang);
  return html`<h1>${m.viewsTitle}</h1>
<p class="lead">${m.viewsIntro}</p>
<form method="get" action="/admin/views" class="inline-form">
<label for="f-days">${m.period}</label>
<select id="f-days" name="days">${VIEW_PERIODS.map(
    (d) =>
      html`<option value="${d}"${d === days ? html` selected` : ''}>${fill(m.lastDays, { n: d })}</option>`,
  )}</select>
<button type="submit">${m.show}</button>
</form>
<div class="table-wrap"><table data-testid="views-per-day">
<caption>${fill(m.lastDays, { n: days })}</caption>
<thead><tr><th scope="col">${m.day}</th><th scope="col" class="num">${m.views}</th></tr></thead>
<tbody>${report.days.map(
    (d) =>
      html`<tr><th scope="row"><time datetime="${d.day}">${d.day}</time></th><td class="num">${n(d.views)}</td></tr>`,
  )}</tbody>
<tfoot><tr><th scope="row">${m.total}</th><td class="num">${n(report.total)}</td></tr></tfoot>
</table></div>
<h2>${m.topPages}</h2>
${
  report.top.length === 0
    ? html`<p>${m.noViews}</p>`
    : html`<div class="table-wrap"><table data-testid="views-top">
<thead><tr><th scope="col">${m.page}</th><th scope="col" class="num">${m.views}</th></tr></thead>
<tbody>${report.top.map((p) => html`<tr><td><a href="${p.path}">${p.path}</a></td><td class="num">${n(p.views)}</td></tr>`)}</tbody>
</table></div>`
}`;
}

/**
 * `<link rel="alternate">` tags for a page's <head>: the feeds of the page's language (and tag).
 * For the layout or a post page to include; relative URLs are fine in HTML.
 */
export function feedAlternateLinks(lang: Lang, tag?: string): SafeHtml {
  const m = feedMessages(lang);
  const titles: Record<FeedFormat, string> = { rss: m.rss, atom: m.atom, json: m.json };
  return html`${(Object.keys(FEED_TYPES) as FeedFormat[]).map(
    (format) =>
      html`<link rel="alternate" type="${FEED_TYPES[format].split(';')[0]!}" title="${titles[format]}" href="${feedPath(format, lang, tag)}">`,
  )}`;
}
