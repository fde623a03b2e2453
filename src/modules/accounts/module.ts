/** Wires the accounts module: its repository, services and routes. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { Throttle } from '../../platform/http/throttle.ts';
import { registerAccountRoutes } from './account.routes.ts';
import { registerAuthRoutes } from './auth.routes.ts';
import { AuthService } from './auth.service.ts';
import { Passwords } from './passwords.ts';
import { AccountsRepository } from './repository.ts';
import { registerStaffRoutes } from './staff.routes.ts';
import { StaffService } from './staff.service.ts';

export interface AccountsModule {
  repo: AccountsRepository;
  auth: AuthService;
  staff: StaffService;
}

export function createAccountsModule(ctx: AppContext): AccountsModule {
  const repo = new AccountsRepository(ctx.db);
  const passwords = new Passwords(ctx.kdfGate, ctx.kdfParams);
  const signinThrottle = new Throttle(
    ctx.db,
    ctx.keys.throttle,
    { freeFailures: 5, windowMs: 15 * 60_000, baseBlockMs: 60_000, maxBlockMs: 60 * 60_000 },
    ctx.now,
  );
  const deps = { repo, audit: ctx.audit, passwords, sessions: ctx.sessions, now: ctx.now };
  return {
    repo,
    auth: new AuthService({ ...deps, signinThrottle }),
    staff: new StaffService(deps),
  };
}

export function registerAccountsRoutes(app: FastifyInstance, ctx: AppContext, mod: AccountsModule): void {
  registerAuthRoutes(app, ctx, mod);
  registerStaffRoutes(app, ctx, mod);
  registerAccountRoutes(app, ctx, mod);
}
