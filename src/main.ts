/**
 * Starts Vigil's roles (web, worker or both) and nothing else. `npm start` runs this.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { createWorker } from './background.ts';
import { type Config, ConfigError, loadConfig } from './config/index.ts';
import { SYSTEM_ACTOR } from './platform/audit/audit-log.ts';
import type { Worker } from './platform/jobs/worker.ts';
import { seedIfEmpty } from './seed.ts';

export interface Running {
  app: FastifyInstance;
  worker: Worker | undefined;
  address: string | undefined;
  stop(): Promise<void>;
}

export async function start(config: Config, out: NodeJS.WritableStream = process.stdout): Promise<Running> {
  const app = await buildApp(config);
  const ctx = app.vigil;
  let worker: Worker | undefined;
  let refresher: NodeJS.Timeout | undefined;
  let address: string | undefined;

  if (config.role !== 'web') {
    worker = await createWorker(ctx, app.accounts, app.log);
    worker.start();
  }
  if (config.role !== 'worker') {
    // Settings changed on another node reach this one's page cache within five seconds.
    refresher = setInterval(() => {
      ctx.settings
        .refreshIfChanged()
        .catch((err: unknown) => app.log.warn({ err }, 'settings refresh failed'));
    }, 5000);
    refresher.unref();
    address = await app.listen({ port: config.port, host: config.host });
    out.write(`Vigil is running at ${config.publicUrl} (listening on ${address}, ${ctx.dialect} database)\n`);
  } else {
    await app.ready();
  }

  // An empty database gets the default settings and content pack. This runs after the server
  // answers: /healthz says the process is up, /readyz says 503 "seeding" until the pack is in.
  ctx.readiness.seeding = true;
  try {
    const seeded = await seedIfEmpty(ctx);
    if (seeded) out.write(`Empty database: seeded the default content pack.\n${seeded}\n`);
  } catch (err) {
    app.log.error({ err }, 'seeding the default content pack failed');
    out.write('Seeding the default content pack failed (see the log); run "npx vigil seed" to retry.\n');
  } finally {
    ctx.readiness.seeding = false;
  }

  const link = await app.accounts.staff.issueFirstAdminLink(SYSTEM_ACTOR);
  if (link) {
    // Printed to the console on purpose (not to the structured log): it is how the first admin signs in.
    out.write(
      `\nNo administrator exists yet. Open this one-time link within 24 hours to create the first one:\n\n  ${config.publicUrl}/admin/setup/${link}\n\n(Or run "npx vigil admin create" for a new link.)\n\n`,
    );
  }

  return {
    app,
    worker,
    address,
    async stop() {
      if (refresher) clearInterval(refresher);
      await worker?.stop();
      await app.close();
    },
  };
}

export async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const running = await start(config);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.app.log.info({ signal }, 'shutting down');
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
