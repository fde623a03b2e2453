import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { DatabaseConfig } from '../../config/index.ts';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  dialect: Dialect;
  /** The underlying SQLite connection, for online backups; undefined on PostgreSQL. */
  sqlite: SqliteDatabase.Database | undefined;
  close(): Promise<void>;
}

/**
 * The pg driver, loaded on first use: an embedded SQLite install never pays for it (about 2.4 MiB
 * of resident memory, which counts against the idle-memory budget).
 */
let pgDriver: typeof import('pg').default | undefined;
function pgModule(): typeof import('pg').default {
  if (!pgDriver) {
    pgDriver = createRequire(import.meta.url)('pg') as typeof import('pg').default;
    // int8 (bigint) columns hold millisecond times and counters that fit in a double: read them as numbers.
    pgDriver.types.setTypeParser(20, (v) => Number(v));
  }
  return pgDriver;
}

export interface OpenOptions {
  /** PostgreSQL only: the schema to use (tests give each run its own). */
  searchPath?: string;
  poolSize?: number;
}

export function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): DatabaseHandle {
  if (config.kind === 'postgres') {
    const pool = new (pgModule().Pool)({
      connectionString: config.url,
      max: options.poolSize ?? 10,
      ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
    });
    // An idle client that loses its connection must not crash the process.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', sqlite: undefined, close: () => db.destroy() };
  }
  if (config.file !== ':memory:') fs.mkdirSync(path.dirname(config.file), { recursive: true });
  const sqlite = new SqliteDatabase(config.file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${config.synchronous}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // The inbox's plans depend on table statistics (which index serves a filter at a million
  // reports). ANALYZE on a sample keeps this quick; the clean-up job repeats it (optimizeSqlite).
  sqlite.pragma('analysis_limit = 1000');
  sqlite.pragma('optimize = 0x10002');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', sqlite, close: () => db.destroy() };
}

/** Refreshes SQLite's planner statistics where they went stale (a sampled ANALYZE); no-op on PostgreSQL, whose autovacuum does it. */
export function optimizeSqlite(handle: DatabaseHandle): void {
  handle.sqlite?.pragma('optimize');
}

/** True when an insert or update failed on a unique or primary-key constraint (either dialect). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
