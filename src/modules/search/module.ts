/**
 * Public search: GET /search?q=&lang=&kind=&page= over everything published (posts, pages, law
 * articles, guides) in both languages. The index itself is src/platform/search; this module is the
 * page. Malformed parameters get a 400 page in the visitor's language, with the form to try again.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { langOf, pathOf } from '../../platform/http/request.ts';
import { ConcurrencyGate, GATE_FULL } from '../../platform/http/throttle.ts';
import { highlightRanges, MAX_QUERY_CHARS, queryTerms } from '../../platform/search/index.ts';
import { html } from '../../platform/views/html.ts';
import { fill, type Lang, messages } from '../../platform/views/i18n/index.ts';
import { layout } from '../../platform/views/layout.ts';
import type { FeatureModule } from '../feature.ts';
import { searchMessages } from './messages.ts';
import { badRequestBox, KINDS, type Kind, type ResultPage, type SearchForm, searchView } from './views.ts';

export const PAGE_SIZE = 10;
/** Pages offered: the index ranks at most CANDIDATES (500) matches. */
export const MAX_PAGE = 50;

const QUERY = {
  type: 'object',
  properties: {
    q: { type: 'string', maxLength: MAX_QUERY_CHARS },
    lang: { type: 'string', enum: ['', 'en', 'zh-CN'] },
    kind: { type: 'string', enum: ['', ...KINDS] },
    page: { type: 'integer', minimum: 1, maximum: MAX_PAGE },
  },
} as const;

interface Query {
  q?: string;
  lang?: Lang | '';
  kind?: Kind | '';
  page?: number;
}

function send(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  title: string,
  main: ReturnType<typeof html>,
  status = 200,
): FastifyReply {
  // What someone searched for is nobody else's business: no shared or browser cache keeps it.
  reply.header('cache-control', 'no-store');
  return ctx.pages.public(req, reply, title, main, status);
}

export function registerSearchRoutes(app: FastifyInstance, ctx: AppContext): void {
  // Searching is the most expensive thing an anonymous visitor can ask for: cap how many run at
  // once in this process, with a short queue, so a flood cannot starve the other pages.
  const gate = new ConcurrencyGate(8, 64);

  app.get<{ Querystring: Query }>(
    '/search',
    { config: { access: 'public' }, schema: { querystring: QUERY }, attachValidation: true },
    async (req, reply) => {
      const lang = langOf(req);
      const m = searchMessages(lang);
      if (req.validationError) {
        const form: SearchForm = { q: '', lang: '', kind: '' };
        return send(
          ctx,
          req,
          reply,
          m.badRequest,
          searchView(lang, form, undefined, badRequestBox(lang)),
          400,
        );
      }
      const form: SearchForm = {
        q: (req.query.q ?? '').trim(),
        lang: req.query.lang ?? '',
        kind: req.query.kind ?? '',
      };
      const page = req.query.page ?? 1;

      // The bare form is the same for everyone: rendered once per language, from the page cache.
      if (form.q === '' && form.lang === '' && form.kind === '' && page === 1) {
        return ctx.pageCache.send(req, reply, `search:${lang}`, () =>
          layout(
            {
              lang,
              t: messages(lang),
              title: m.title,
              path: pathOf(req),
              siteName: ctx.settings.site.orgName[lang],
            },
            searchView(lang, form, undefined),
          ),
        );
      }
      if (form.q === '') return send(ctx, req, reply, m.title, searchView(lang, form, undefined));

      const terms = queryTerms(form.q);
      const title = fill(m.resultsTitle, { q: form.q });
      if (terms.length === 0) {
        const empty: ResultPage = {
          hits: [],
          titleHighlights: [],
          page,
          pageSize: PAGE_SIZE,
          hasNext: false,
          noTerms: true,
        };
        return send(ctx, req, reply, title, searchView(lang, form, empty));
      }
      // One more than a page tells whether there is a next page; nothing counts every match.
      const found = await gate.run(() =>
        ctx.search.search(form.q, {
          ...(form.lang ? { lang: form.lang } : {}),
          ...(form.kind ? { kind: form.kind } : {}),
          limit: PAGE_SIZE + 1,
          offset: (page - 1) * PAGE_SIZE,
        }),
      );
      if (found === GATE_FULL) {
        reply.header('retry-after', '5');
        return send(ctx, req, reply, m.busyTitle, html`<h1>${m.busyTitle}</h1><p>${m.busyText}</p>`, 503);
      }
      const hits = found.slice(0, PAGE_SIZE);
      const results: ResultPage = {
        hits,
        titleHighlights: hits.map((h) => highlightRanges(h.title, terms)),
        page,
        pageSize: PAGE_SIZE,
        hasNext: found.length > PAGE_SIZE && page < MAX_PAGE,
        noTerms: false,
      };
      return send(ctx, req, reply, title, searchView(lang, form, results));
    },
  );
}

export const OPTIMIZE_JOB = 'search.optimize';

export const searchModule: FeatureModule = {
  name: 'search',
  routes: registerSearchRoutes,
  jobs(worker, ctx) {
    worker.register(OPTIMIZE_JOB, () => ctx.search.optimize());
  },
  schedules: [{ name: 'search.optimize', kind: OPTIMIZE_JOB, intervalMs: 24 * 60 * 60_000 }],
};
