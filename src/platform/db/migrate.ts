import { type Kysely, type MigrationResultSet, Migrator, PostgresAdapter, sql } from 'kysely';
import { migrations } from '../../../migrations/index.ts';

async function migrator(db: Kysely<any>): Promise<Migrator> {
  // On PostgreSQL the migration tables live in the current schema, named explicitly: Kysely's
  // existence check otherwise sees same-named tables in other schemas of the same database.
  let migrationTableSchema: string | undefined;
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const r = await sql<{ s: string }>`select current_schema() as s`.execute(db);
    migrationTableSchema = r.rows[0]?.s;
  }
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
}

/**
 * Kysely's table-existence check introspects every schema of the database (pg_get_serial_sequence on
 * each table), so a schema dropped meanwhile by another user of the same database (parallel test
 * runs do this all the time) fails it with 3F000 "schema ... does not exist", or 42P01 "relation
 * <other schema>.<table> does not exist" when the schema goes between listing its tables and
 * reading them. Nothing has run at that point, and migrations are transactional on PostgreSQL:
 * trying again is safe.
 */
function otherSchemaVanished(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '3F000' || code === '42P01';
}

async function retryingVanishedSchemas<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= 5 || !otherSchemaVanished(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  for (let attempt = 1; ; attempt++) {
    const result = await (await migrator(db)).migrateToLatest();
    if (!result.error) return result;
    if (attempt >= 5 || !otherSchemaVanished(result.error)) throw result.error;
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
}

/** True when every known migration has run: what /readyz checks. */
export async function migrationsAreCurrent(db: Kysely<any>): Promise<boolean> {
  const all = await retryingVanishedSchemas(async () => (await migrator(db)).getMigrations());
  return all.every((m) => m.executedAt !== undefined);
}
