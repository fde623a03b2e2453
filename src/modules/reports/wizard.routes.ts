import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import type { ReportsServices } from './module.ts';

// STUB: to be written.
export function registerWizardRoutes(_app: FastifyInstance, _ctx: AppContext, _s: ReportsServices): void {}
