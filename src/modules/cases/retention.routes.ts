// Placeholder: owned by a helper, replaced in this issue.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.ts';

export function registerRetentionRoutes(_app: FastifyInstance, _ctx: AppContext): void {}
