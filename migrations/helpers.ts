import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Column types that differ between the dialects. Migrations use these and nothing else that is
 * dialect-specific, so one migration file serves both databases.
 */
export function columnTypes(db: Kysely<any>) {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    postgres,
    blob: postgres ? sql`bytea` : sql`blob`,
    /** Epoch milliseconds and counters. */
    bigint: sql`bigint`,
    /** An auto-incrementing integer primary key. */
    serialPk: postgres ? sql`bigserial primary key` : sql`integer primary key autoincrement`,
  } as const;
}
