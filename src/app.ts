/**
 * buildApp(config): registers everything and returns the Fastify instance. It never listens: the
 * CLI does that, and tests use app.inject() (or listen on a port of their own for the browser).
 */
import http from 'node:http';
import type { Writable } from 'node:stream';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { type AppContext, createContext } from './app-context.ts';
import type { Config } from './config/index.ts';
import {
  enforceRouteAccess,
  isBackOfficeUrl,
  type RouteRecord,
  registerBackOfficeGuard,
} from './contexts/backoffice.ts';
import {
  type AccountsModule,
  createAccountsModule,
  registerAccountsRoutes,
} from './modules/accounts/module.ts';
import { registerAuditRoutes } from './modules/audit/routes.ts';
import { registerDashboardRoutes } from './modules/dashboard/routes.ts';
import { registerHealthRoutes } from './modules/health/routes.ts';
import { registerHomeRoutes } from './modules/home/routes.ts';
import { FEATURES } from './modules/index.ts';
import { registerSettingsRoutes } from './modules/settings/routes.ts';
import { randomTokenSource } from './platform/crypto/index.ts';
import { type DatabaseHandle, openDatabase } from './platform/db/index.ts';
import { migrateToLatest } from './platform/db/migrate.ts';
import { registerCsrfCheck } from './platform/http/csrf.ts';
import { registerErrorPages } from './platform/http/errors.ts';
import { createFastPath } from './platform/http/fast-path.ts';
import { registerFormParser } from './platform/http/forms.ts';
import { lazyValidatorCompilers } from './platform/http/lazy-validators.ts';
import { registerSecurityHeaders } from './platform/http/security-headers.ts';

export interface BuildOptions {
  /** An open database (tests share one with their assertions); otherwise one is opened from config. */
  database?: DatabaseHandle;
  /** Where structured logs go (tests capture them); stdout by default. */
  logStream?: Writable;
  now?: () => number;
  /** Skip running migrations (the CLI has already run them). */
  skipMigrations?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    vigil: AppContext;
    accounts: AccountsModule;
    /** Every registered route with its access rule: the route-walk test reads this. */
    routeTable: RouteRecord[];
  }
}

export const BODY_LIMIT_BYTES = 64 * 1024;

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const ownsDatabase = !options.database;
  const handle = options.database ?? openDatabase(config.database);
  if (!options.skipMigrations) await migrateToLatest(handle.db);
  let logEventError: (err: unknown, event: string) => void = () => {};
  const ctx = createContext(config, handle, options.now, (err, event) => logEventError(err, event));
  await ctx.settings.refreshIfChanged();

  const fastPath = createFastPath(ctx.pageCache, config.secureCookies);
  const app = Fastify({
    // Cached public pages are answered before Fastify (see platform/http/fast-path.ts).
    schemaController: lazyValidatorCompilers(),
    serverFactory: (handler) => http.createServer((req, res) => fastPath(req, res) || handler(req, res)),
    logger: {
      level: config.logLevel,
      ...(options.logStream ? { stream: options.logStream } : {}),
      // Requests are logged by route pattern only: never the address, the user agent, the query
      // string or a path that could carry a token.
      serializers: {
        req: (req) => ({ method: req.method, route: req.routeOptions?.url }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
    },
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    // 9 random bytes (12 characters) from a pooled source: a CSPRNG call per request was about a
    // quarter of a cached page's CPU time (npm run bench).
    genReqId: randomTokenSource(9),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: false,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });

  logEventError = (err, event) => app.log.error({ err, event }, 'event listener failed');
  const routeTable: RouteRecord[] = [];
  app.decorate('vigil', ctx);
  app.decorate('routeTable', routeTable);
  app.decorateRequest('vigilCookies', undefined);
  app.decorateRequest('vigilLang', undefined);
  app.decorateRequest('session', undefined);
  app.decorateRequest('staff', undefined);
  enforceRouteAccess(app, routeTable);

  registerSecurityHeaders(app, config.secureCookies);
  registerFormParser(app);
  registerErrorPages(app, ctx.pages);

  const accounts = createAccountsModule(ctx);
  app.decorate('accounts', accounts);
  registerBackOfficeGuard(app, ctx, accounts);
  registerCsrfCheck(app, ctx.csrf);

  // Back-office requests are logged (route pattern, status, duration); public pages keep no access log.
  app.addHook('onResponse', (req, reply, done) => {
    if (isBackOfficeUrl(req.routeOptions.url)) {
      req.log.info(
        {
          method: req.method,
          route: req.routeOptions.url,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request',
      );
    }
    done();
  });

  ctx.pages.addMenuEntry({ href: '/admin', label: (t) => t.admin.navDashboard, roles: [] });
  ctx.pages.addMenuEntry({ href: '/admin/staff', label: (t) => t.admin.navStaff, roles: ['admin'] });
  ctx.pages.addMenuEntry({ href: '/admin/audit', label: (t) => t.admin.navAudit, roles: ['admin'] });
  ctx.pages.addMenuEntry({ href: '/admin/settings', label: (t) => t.admin.navSettings, roles: ['admin'] });
  for (const feature of FEATURES) {
    feature.setup?.(ctx);
    for (const entry of feature.menu ?? []) ctx.pages.addMenuEntry(entry);
  }
  ctx.pages.addMenuEntry({ href: '/admin/account', label: (t) => t.admin.navAccount, roles: [] });

  registerHealthRoutes(app, ctx);
  registerHomeRoutes(app, ctx);
  registerDashboardRoutes(app, ctx);
  registerAccountsRoutes(app, ctx, accounts);
  registerAuditRoutes(app, ctx);
  registerSettingsRoutes(app, ctx);
  for (const feature of FEATURES) feature.routes?.(app, ctx);

  if (ownsDatabase) app.addHook('onClose', async () => handle.close());
  return app;
}
