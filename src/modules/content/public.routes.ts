/**
 * Public pages of posts: /posts, /posts/<slug>, /pages/<slug>, /tags/<tag>, /series/<series>.
 * Each is rendered once per reader language and kept in the page cache (cleared on content.changed),
 * with ETag and Last-Modified for revalidation. The cache key is built from the validated parameters,
 * never the raw URL, so junk query strings cannot fill it. Malformed parameters get a 400.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { sendErrorPage } from '../../platform/http/errors.ts';
import { langOf } from '../../platform/http/request.ts';
import { fill } from '../../platform/views/i18n/index.ts';
import { contentMessages } from './messages.ts';
import { listPage, type PageContext, postPage, seriesHref, tagHref } from './public.views.ts';
import type { ContentService, PostKind } from './service.ts';

const PUBLIC = { access: 'public' } as const;
const PER_PAGE = 10;
const MAX_PAGE = 1000;

const PAGE_QUERY = {
  type: 'object',
  properties: { page: { type: 'integer', minimum: 1, maximum: MAX_PAGE } },
} as const;
const SLUG_PARAMS = {
  type: 'object',
  properties: { slug: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['slug'],
} as const;
const TAG_PARAMS = {
  type: 'object',
  properties: { tag: { type: 'string', minLength: 1, maxLength: 100 } },
  required: ['tag'],
} as const;
const SERIES_PARAMS = {
  type: 'object',
  properties: { series: { type: 'string', minLength: 1, maxLength: 100 } },
  required: ['series'],
} as const;

export function registerContentPublicRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  service: ContentService,
): void {
  const pageContext = (req: FastifyRequest): PageContext => {
    const lang = langOf(req);
    return { lang, siteName: ctx.settings.site.orgName[lang], publicUrl: ctx.config.publicUrl };
  };

  const notFound = (req: FastifyRequest, reply: FastifyReply) => sendErrorPage(ctx.pages, req, reply, 404);

  app.get<{ Querystring: { page?: number } }>(
    '/posts',
    { config: PUBLIC, schema: { querystring: PAGE_QUERY } },
    async (req, reply) => {
      const c = pageContext(req);
      const page = req.query.page ?? 1;
      const sent = await ctx.pageCache.sendAsync(req, reply, `posts:${c.lang}:${page}`, async () => {
        const { items, total } = await service.liveList({
          lang: c.lang,
          kind: 'post',
          page,
          perPage: PER_PAGE,
        });
        const pages = Math.max(1, Math.ceil(total / PER_PAGE));
        if (page > pages) return undefined;
        return listPage(
          { basePath: '/posts', title: contentMessages(c.lang).public.postsTitle, items, page, pages },
          c,
        );
      });
      return sent ? reply : notFound(req, reply);
    },
  );

  const single =
    (kind: PostKind) => async (req: FastifyRequest<{ Params: { slug: string } }>, reply: FastifyReply) => {
      const c = pageContext(req);
      const slug = req.params.slug;
      const sent = await ctx.pageCache.sendAsync(req, reply, `${kind}:${c.lang}:${slug}`, async () => {
        const view = await service.livePost(slug, kind, c.lang);
        return view ? postPage(view, c) : undefined;
      });
      return sent ? reply : notFound(req, reply);
    };

  app.get<{ Params: { slug: string } }>(
    '/posts/:slug',
    { config: PUBLIC, schema: { params: SLUG_PARAMS } },
    single('post'),
  );
  app.get<{ Params: { slug: string } }>(
    '/pages/:slug',
    { config: PUBLIC, schema: { params: SLUG_PARAMS } },
    single('page'),
  );

  app.get<{ Params: { tag: string }; Querystring: { page?: number } }>(
    '/tags/:tag',
    { config: PUBLIC, schema: { params: TAG_PARAMS, querystring: PAGE_QUERY } },
    async (req, reply) => {
      const c = pageContext(req);
      const { tag } = req.params;
      const page = req.query.page ?? 1;
      const sent = await ctx.pageCache.sendAsync(req, reply, `tag:${c.lang}:${tag}:${page}`, async () => {
        // Tags are shared across languages: a reader following one sees every post that carries it.
        const { items, total } = await service.liveList({ tag, kind: 'post', page, perPage: PER_PAGE });
        const pages = Math.ceil(total / PER_PAGE);
        if (total === 0 || page > pages) return undefined;
        const title = fill(contentMessages(c.lang).public.tagTitle, { tag });
        return listPage({ basePath: tagHref(tag), title, items, page, pages }, c);
      });
      return sent ? reply : notFound(req, reply);
    },
  );

  app.get<{ Params: { series: string }; Querystring: { page?: number } }>(
    '/series/:series',
    { config: PUBLIC, schema: { params: SERIES_PARAMS, querystring: PAGE_QUERY } },
    async (req, reply) => {
      const c = pageContext(req);
      const { series } = req.params;
      const page = req.query.page ?? 1;
      const sent = await ctx.pageCache.sendAsync(
        req,
        reply,
        `series:${c.lang}:${series}:${page}`,
        async () => {
          const { items, total } = await service.liveList({ series, kind: 'post', page, perPage: PER_PAGE });
          const pages = Math.ceil(total / PER_PAGE);
          if (total === 0 || page > pages) return undefined;
          const title = fill(contentMessages(c.lang).public.seriesTitle, { series });
          return listPage({ basePath: seriesHref(series), title, items, page, pages }, c);
        },
      );
      return sent ? reply : notFound(req, reply);
    },
  );
}
