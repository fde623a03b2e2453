/**
 * What a feature module contributes: routes, background jobs and back-office menu entries.
 * app.ts and background.ts walk the list in modules/index.ts, so adding a feature touches one line.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import type { MenuEntry } from '../platform/http/pages.ts';
import type { ScheduleDefinition } from '../platform/jobs/scheduler.ts';
import type { Worker } from '../platform/jobs/worker.ts';

export interface FeatureModule {
  name: string;
  /** Called once per app, before routes: create services, subscribe to events. */
  setup?(ctx: AppContext): void;
  routes?(app: FastifyInstance, ctx: AppContext): void;
  /** Job handlers this feature runs in the worker role. */
  jobs?(worker: Worker, ctx: AppContext): void;
  schedules?: ScheduleDefinition[];
  menu?: MenuEntry[];
}
