/** /healthz: the process answers. /readyz: the database answers and every migration has run. */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../../app-context.ts';
import { migrationsAreCurrent } from '../../platform/db/migrate.ts';
import { findAsset } from '../../platform/views/assets.ts';

export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const noStore = { 'cache-control': 'no-store' };
  app.get('/healthz', { config: { access: 'public' } }, (_req, reply) =>
    reply.headers(noStore).send({ status: 'ok' }),
  );

  app.get('/readyz', { config: { access: 'public' } }, async (req, reply) => {
    try {
      await sql`select 1`.execute(ctx.db);
      if (ctx.readiness.seeding) return reply.code(503).headers(noStore).send({ status: 'seeding' });
      if (!(await migrationsAreCurrent(ctx.db))) {
        return reply.code(503).headers(noStore).send({ status: 'migrations-pending' });
      }
      return reply.headers(noStore).send({ status: 'ready' });
    } catch (err) {
      req.log.error({ err }, 'readiness check failed');
      return reply.code(503).headers(noStore).send({ status: 'database-unavailable' });
    }
  });

  app.get<{ Params: { name: string } }>(
    '/assets/:name',
    {
      config: { access: 'public' },
      schema: {
        params: {
          type: 'object',
          properties: { name: { type: 'string', maxLength: 100 } },
          required: ['name'],
        },
      },
    },
    (req, reply) => {
      const asset = findAsset(req.params.name);
      if (!asset) return reply.callNotFound();
      return reply
        .type(asset.type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(asset.body);
    },
  );
}
