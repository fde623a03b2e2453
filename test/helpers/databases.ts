/**
 * The dialect loop: integration tests run once per database. SQLite always; PostgreSQL when it
 * answers at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test). Under CI=true a
 * PostgreSQL that does not answer fails the run instead of being skipped.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config/index.ts';
import { type DatabaseHandle, openDatabase } from '../../src/platform/db/index.ts';

export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

let pgAvailable: Promise<boolean> | undefined;

export function postgresAvailable(): Promise<boolean> {
  pgAvailable ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgAvailable;
}

export type DialectName = 'sqlite' | 'postgres';

/** The dialects to test on. Throws under CI when PostgreSQL is not reachable. */
export async function dialects(): Promise<DialectName[]> {
  if (await postgresAvailable()) return ['sqlite', 'postgres'];
  if (IN_CI)
    throw new Error(
      `CI=true but PostgreSQL does not answer at ${TEST_PG_URL}: the PostgreSQL tests must run`,
    );
  process.stderr.write(`note: PostgreSQL not reachable at ${TEST_PG_URL}; running the SQLite half only\n`);
  return ['sqlite'];
}

export interface TestDatabase {
  dialect: DialectName;
  config: DatabaseConfig;
  handle: DatabaseHandle;
  dataDir: string;
  /** PostgreSQL schema of this test database (undefined on SQLite). */
  schema: string | undefined;
  /** Opens another, independent connection (pool) to the same database, as a second process would. */
  openAnother(): DatabaseHandle;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-test-'));
  if (dialect === 'sqlite') {
    const config: DatabaseConfig = {
      kind: 'sqlite',
      file: path.join(dataDir, 'vigil.sqlite'),
      synchronous: 'NORMAL',
    };
    const handle = openDatabase(config);
    return {
      dialect,
      config,
      handle,
      dataDir,
      schema: undefined,
      openAnother: () => openDatabase(config),
      async drop() {
        await handle.close().catch(() => {});
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const config: DatabaseConfig = { kind: 'postgres', url: TEST_PG_URL };
  const handle = openDatabase(config, { searchPath: schema });
  return {
    dialect,
    config,
    handle,
    dataDir,
    schema,
    openAnother: () => openDatabase(config, { searchPath: schema }),
    async drop() {
      await handle.close().catch(() => {});
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
