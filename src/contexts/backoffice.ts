/**
 * The back office (/admin): every route must declare who may use it (config.access); registration
 * fails otherwise, so no route can be added without a role check. The hook loads the session,
 * sends anonymous visitors to sign-in and answers 403 to staff without the route's role.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.ts';
import type { AccountsModule } from '../modules/accounts/module.ts';
import { cookiesOf, tOf } from '../platform/http/request.ts';
import { SESSION_COOKIE } from '../platform/http/sessions.ts';

export interface RouteRecord {
  method: string;
  url: string;
  access: unknown;
}

export function isBackOfficeUrl(url: string | undefined): boolean {
  return url === '/admin' || (url?.startsWith('/admin/') ?? false);
}

/** Call before any route is registered: records every route and refuses /admin routes without access. */
export function enforceRouteAccess(app: FastifyInstance, registry: RouteRecord[]): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const access = route.config?.access;
    if (access === undefined)
      throw new Error(`route ${methods.join(',')} ${route.url} declares no access rule`);
    for (const method of methods) registry.push({ method, url: route.url, access });
  });
}

/**
 * Call before any /admin route is registered. The guard is attached to each /admin route as its
 * first route-level onRequest hook, which runs where this global hook used to (after the global
 * ones). It did nothing for any other route, or no route (404), yet as an async hook on every
 * request it put a promise turn into every public page (see csrf.ts and bench/).
 */
export function registerBackOfficeGuard(
  app: FastifyInstance,
  ctx: AppContext,
  accounts: AccountsModule,
): void {
  const early = app.routeTable.find((r) => isBackOfficeUrl(r.url));
  if (early) throw new Error(`${early.method} ${early.url} was registered before the back-office guard`);
  const guard = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!isBackOfficeUrl(req.routeOptions.url)) return;
    reply.header('cache-control', 'no-store');
    const access = req.routeOptions.config.access ?? [];
    const session = await ctx.sessions.load(cookiesOf(req)[SESSION_COOKIE]);
    if (session) {
      req.session = session;
      if (session.stage === 'full') {
        req.staff = await accounts.auth.identity(session);
        if (!req.staff) {
          await ctx.sessions.destroy(session.id);
          req.session = undefined;
        }
      }
    }
    if (access === 'public') return;
    if (access === 'partial') {
      if (!req.session || req.session.stage === 'full') return reply.redirect('/admin/sign-in', 303);
      return;
    }
    if (!req.staff) {
      const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
      return reply.redirect(`/admin/sign-in${next}`, 303);
    }
    if (access.length > 0 && !access.some((role) => req.staff!.roles.includes(role))) {
      const t = tOf(req);
      req.log.info({ route: req.routeOptions.url, staff: req.staff.id }, 'forbidden: role missing');
      return ctx.pages.message(req, reply, 403, t.errors.title403, t.errors.body403);
    }
  };
  app.addHook('onRoute', (route) => {
    if (!isBackOfficeUrl(route.url)) return;
    const own = route.onRequest === undefined ? [] : [route.onRequest].flat();
    route.onRequest = [guard, ...own];
  });
}
