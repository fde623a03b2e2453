/**
 * A Vigil app on a test database, with a controllable clock, captured logs and helpers to create
 * staff and sign them in over real HTTP semantics (app.inject, cookies, CSRF tokens).
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config/index.ts';
import { stepAt, totpCode } from '../../src/modules/accounts/totp.ts';
import { migrateToLatest } from '../../src/platform/db/migrate.ts';
import type { Role } from '../../src/platform/db/schema.ts';
import { createTestDatabase, type DialectName, type TestDatabase } from './databases.ts';
import { HttpClient } from './http-client.ts';

export class TestClock {
  constructor(public ms = Date.UTC(2026, 10, 22, 9, 0, 0)) {}
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface TestApp {
  app: FastifyInstance;
  db: TestDatabase;
  config: Config;
  clock: TestClock;
  /** Every log line written so far. */
  logs(): string;
  client(): HttpClient;
  close(): Promise<void>;
}

export const TEST_PASSWORD = 'correct horse battery staple';

export async function createTestApp(
  dialect: DialectName,
  env: Record<string, string> = {},
): Promise<TestApp> {
  const db = await createTestDatabase(dialect);
  const config = loadConfig({
    VIGIL_DATA_DIR: db.dataDir,
    // 1 MiB keeps tests fast; the crypto tests check the production parameters separately.
    VIGIL_KDF_MEMORY_MIB: '1',
    LOG_LEVEL: 'info',
    ...env,
  });
  const clock = new TestClock();
  const stream = new PassThrough();
  let logText = '';
  stream.on('data', (chunk: Buffer) => {
    logText += chunk.toString('utf8');
  });
  await migrateToLatest(db.handle.db);
  const app = await buildApp(config, {
    database: db.handle,
    logStream: stream,
    now: clock.now,
    skipMigrations: true,
  });
  await app.ready();
  return {
    app,
    db,
    config,
    clock,
    logs: () => logText,
    client: () => new HttpClient(app),
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

export interface CreatedStaff {
  id: string;
  username: string;
  password: string;
  roles: Role[];
  /** Base32-free raw TOTP secret once enrolled (through signIn). */
  totpSecret?: Buffer;
}

/** Creates an active staff member through the real services (invitation + setup link). */
export async function createStaff(
  t: TestApp,
  username: string,
  roles: Role[],
  password = TEST_PASSWORD,
): Promise<CreatedStaff> {
  const created = await t.app.accounts.staff.create(
    { id: null, label: 'test' },
    { username, displayName: `${username} name`, roles },
  );
  if (!created.ok) throw new Error(`could not create ${username}: ${JSON.stringify(created)}`);
  const done = await t.app.accounts.staff.completeLink(created.token, password);
  if (!done.ok) throw new Error(`could not set password for ${username}: ${JSON.stringify(done)}`);
  return { id: created.staffId, username, password, roles };
}

/** The six-digit code for a secret at the test clock's current time (moves the clock one step on, so codes never repeat). */
export function nextTotp(t: TestApp, secret: Buffer): string {
  t.clock.advance(30_000);
  return totpCode(secret, stepAt(t.clock.now()));
}

/**
 * Signs a staff member in over HTTP, enrolling TOTP on first sign-in when their roles need it.
 * Returns the signed-in client.
 */
export async function signIn(t: TestApp, staff: CreatedStaff, client = t.client()): Promise<HttpClient> {
  // Real people take a moment between sign-ins; the node-wide attempt limiter refills meanwhile.
  t.clock.advance(1000);
  const page = await client.get('/admin/sign-in');
  if (page.statusCode !== 200) throw new Error(`sign-in page: ${page.statusCode}`);
  const res = await client.postForm('/admin/sign-in', { username: staff.username, password: staff.password });
  if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
  if (res.headers.location === '/admin/sign-in/two-factor') {
    const second = await client.get('/admin/sign-in/two-factor');
    const shown = /data-testid="totp-secret">([A-Z2-7 ]+)</.exec(second.body);
    if (shown) {
      const { base32Decode } = await import('../../src/modules/accounts/totp.ts');
      staff.totpSecret = base32Decode(shown[1]!);
    }
    if (!staff.totpSecret) throw new Error('second factor needed but no secret known');
    const done = await client.postForm('/admin/sign-in/two-factor', { code: nextTotp(t, staff.totpSecret) });
    if (done.statusCode !== 303 || done.headers.location !== '/admin')
      throw new Error(`second factor failed: ${done.statusCode}`);
  }
  return client;
}
