// Placeholder: owned by a helper, replaced in this issue.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.ts';

export function registerRecoveryRoutes(_app: FastifyInstance, _ctx: AppContext): void {}
