import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import { migrations } from '../../migrations/index.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/index.ts';
import { TEST_PASSWORD } from '../helpers/app.ts';
import { createTestDatabase, dialects, TEST_PG_URL, type TestDatabase } from '../helpers/databases.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SETUP_LINK = /http:\/\/localhost:3000\/admin\/setup\/([A-Za-z0-9_-]{43})\n/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/vigil.js ...args` in a child process, as an operator would. */
function vigil(args: string[], env: Record<string, string>): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...env };
  if (!('DATABASE_URL' in env)) delete childEnv.DATABASE_URL;
  delete childEnv.VIGIL_SECRET_KEY;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/vigil.js'), ...args], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('vigil command (sqlite)', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let firstAdminToken: string;
  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cli-'));
    env = { VIGIL_DATA_DIR: dataDir };
  });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  /** Opens the instance the command works on, in this process (same data directory, same key). */
  async function openApp() {
    return buildApp(loadConfig({ VIGIL_DATA_DIR: dataDir, VIGIL_KDF_MEMORY_MIB: '1', LOG_LEVEL: 'silent' }));
  }

  it('migrate applies the migrations, then finds the database up to date', async () => {
    const first = await vigil(['migrate'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `Applied: ${Object.keys(migrations).join(', ')}\n`);
    assert.ok(fs.existsSync(path.join(dataDir, 'vigil.sqlite')), 'the database is in the data directory');
    const again = await vigil(['migrate'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'The database is up to date.\n');
  });

  it('admin create prints a first-administrator link while there is no admin', async () => {
    const run = await vigil(['admin', 'create'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /create the first administrator/);
    const m = SETUP_LINK.exec(run.stdout);
    assert.ok(m, `a setup link in: ${run.stdout}`);
    assert.doesNotMatch(run.stdout, /"level"/, 'LOG_LEVEL=warn keeps info logs out of the output');
    firstAdminToken = m[1]!;

    const app = await openApp();
    try {
      const staff = app.accounts.staff;
      assert.deepEqual(await staff.describeLink(firstAdminToken), { purpose: 'first-admin', username: null });
      const done = await staff.completeFirstAdmin(firstAdminToken, {
        username: 'first.admin',
        displayName: 'First Admin',
        password: TEST_PASSWORD,
      });
      assert.deepEqual(done, { ok: true });
    } finally {
      await app.close();
    }
  });

  it('admin create with an admin present needs --username, and then invites another admin', async () => {
    const refused = await vigil(['admin', 'create'], env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /An administrator already exists/);
    assert.equal(refused.stdout, '');

    const run = await vigil(['admin', 'create', '--username', 'second.admin'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Created administrator second\.admin\./);
    const m = SETUP_LINK.exec(run.stdout);
    assert.ok(m, `a setup link in: ${run.stdout}`);
    assert.notEqual(m[1], firstAdminToken);

    const app = await openApp();
    try {
      const row = await app.accounts.repo.findByUsername('second.admin');
      assert.ok(row);
      assert.equal(row.status, 'invited');
      assert.deepEqual(row.roles, ['admin']);
      assert.deepEqual(await app.accounts.staff.describeLink(m[1]!), {
        purpose: 'setup',
        username: 'second.admin',
      });
    } finally {
      await app.close();
    }

    const duplicate = await vigil(['admin', 'create', '--username', 'second.admin'], env);
    assert.equal(duplicate.code, 2);
    assert.match(duplicate.stderr, /Could not create second\.admin/);
  });

  it('audit verify exits 0 on an intact log', async () => {
    const db = new SqliteDatabase(path.join(dataDir, 'vigil.sqlite'), { readonly: true });
    const { n } = db.prepare('select count(*) as n from audit_log').get() as { n: number };
    db.close();
    assert.ok(n >= 3);
    const run = await vigil(['audit', 'verify'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `Audit log intact: ${n} entries, chain and signed head verified.\n`);
  });

  it('backup writes a SQLite copy that opens and holds the data', async () => {
    const target = path.join(dataDir, 'copies', 'backup.sqlite');
    fs.mkdirSync(path.dirname(target));
    const run = await vigil(['backup', target], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Backup written to .*backup\.sqlite\. Keep .*instance\.key/);
    const copy = new SqliteDatabase(target, { readonly: true });
    try {
      const tables = (
        copy.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]
      ).map((r) => r.name);
      assert.ok(tables.includes('staff'));
      assert.ok(tables.includes('audit_log'));
      const staff = copy.prepare('select username, status from staff order by username').all();
      assert.deepEqual(staff, [
        { username: 'first.admin', status: 'active' },
        { username: 'second.admin', status: 'invited' },
      ]);
      assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      copy.close();
    }
    const missing = await vigil(['backup'], env);
    assert.equal(missing.code, 2, 'backup without a file is a usage error');
    assert.match(missing.stderr, /Usage: vigil <command>/);
  });

  it('an unknown command exits 2 with the usage', async () => {
    const [run, none, help] = await Promise.all([
      vigil(['frobnicate'], env),
      vigil([], env),
      vigil(['help'], env),
    ]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^Usage: vigil <command>/);
    assert.match(run.stderr, /audit verify/);
    assert.equal(none.code, 2, 'no command is a usage error too');
    assert.match(none.stdout, /^Usage: vigil <command>/);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: vigil <command>/);
  });

  it('an invalid configuration exits 2 with the problem', async () => {
    const run = await vigil(['migrate'], { ...env, DATABASE_URL: 'mysql://nope' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /DATABASE_URL: must start with postgres:\/\/, postgresql:\/\/ or sqlite:/);
  });
});

if ((await dialects()).includes('postgres')) {
  describe('vigil command (postgres)', () => {
    let tdb: TestDatabase;
    let env: Record<string, string>;
    before(async () => {
      tdb = await createTestDatabase('postgres');
      const options = encodeURIComponent(`-c search_path=${tdb.schema}`);
      env = {
        VIGIL_DATA_DIR: tdb.dataDir,
        DATABASE_URL: `${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}options=${options}`,
      };
    });
    after(() => tdb.drop());

    it('migrates the schema named in DATABASE_URL, verifies the log, and points backups to pg_dump', async () => {
      const first = await vigil(['migrate'], env);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, `Applied: ${Object.keys(migrations).join(', ')}\n`);
      const tables = await tdb.handle.db
        .selectFrom('information_schema.tables' as never)
        .select('table_name' as never)
        .where('table_schema' as never, '=', tdb.schema as never)
        .execute();
      const names = (tables as { table_name: string }[]).map((r) => r.table_name);
      assert.ok(names.includes('staff') && names.includes('audit_log'), names.join(','));
      assert.equal((await vigil(['migrate'], env)).stdout, 'The database is up to date.\n');

      const link = await vigil(['admin', 'create'], env);
      assert.equal(link.code, 0, link.stderr);
      assert.match(link.stdout, SETUP_LINK);

      const verify = await vigil(['audit', 'verify'], env);
      assert.equal(verify.code, 0, verify.stderr);
      assert.equal(verify.stdout, 'Audit log intact: 1 entries, chain and signed head verified.\n');

      const backup = await vigil(['backup', path.join(tdb.dataDir, 'x.sqlite')], env);
      assert.equal(backup.code, 2);
      assert.match(backup.stderr, /use pg_dump/);
      assert.ok(!fs.existsSync(path.join(tdb.dataDir, 'x.sqlite')));
    });
  });
}
