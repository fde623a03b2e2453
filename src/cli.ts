/**
 * The `vigil` command: serve, migrate, seed, admin create, audit verify, backup, bench.
 * Run as `npx vigil <command>` in the project folder.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Config, ConfigError, loadConfig } from './config/index.ts';
import { main as serve } from './main.ts';
import { AuditLog } from './platform/audit/audit-log.ts';
import { loadInstanceKey, subKey } from './platform/crypto/index.ts';
import { openDatabase } from './platform/db/index.ts';
import { migrateToLatest } from './platform/db/migrate.ts';

const USAGE = `Usage: vigil <command>

  serve                         run Vigil (web and worker; VIGIL_ROLE=web|worker to split)
  migrate                       apply database migrations
  seed                          load the default settings and content pack into an empty database
  admin create [--username U]   print a one-time link to set up an administrator
  audit verify                  check the audit log's hash chain; exit 1 if it was tampered with
  backup <file>                 write a consistent copy of the SQLite database to <file>
  bench                         run the benchmarks (same as npm run bench)
`;

export async function runCli(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    out.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'serve') {
    await serve();
    return -1; // keeps running
  }
  if (command === 'bench') {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    return (
      spawnSync(
        process.execPath,
        ['--import', 'tsx', path.join(root, 'bench/run.ts'), ...([sub, ...rest].filter(Boolean) as string[])],
        { stdio: 'inherit' },
      ).status ?? 1
    );
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      err.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const handle = openDatabase(config.database);
  try {
    const migrated = await migrateToLatest(handle.db);
    switch (command) {
      case 'migrate': {
        const applied = (migrated.results ?? [])
          .filter((r) => r.status === 'Success')
          .map((r) => r.migrationName);
        out.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'The database is up to date.\n');
        return 0;
      }
      case 'seed': {
        const { seed } = await import('./seed.ts');
        out.write(`${await seed(config, handle)}\n`);
        return 0;
      }
      case 'admin': {
        if (sub !== 'create') break;
        const { buildApp } = await import('./app.ts');
        const app = await buildApp(config, { database: handle, skipMigrations: true });
        try {
          const link = await app.accounts.staff.issueFirstAdminLink({ id: null, label: 'cli' });
          if (link) {
            out.write(
              `Open this one-time link within 24 hours to create the first administrator:\n\n  ${config.publicUrl}/admin/setup/${link}\n`,
            );
            return 0;
          }
          const i = rest.indexOf('--username');
          const username = i >= 0 ? rest[i + 1] : undefined;
          if (!username) {
            err.write(
              'An administrator already exists. To add another from the shell: vigil admin create --username NAME\n',
            );
            return 2;
          }
          const created = await app.accounts.staff.create(
            { id: null, label: 'cli' },
            { username, displayName: username, roles: ['admin'] },
          );
          if (!created.ok) {
            err.write(
              `Could not create ${username}: ${'problems' in created ? Object.values(created.problems).join(', ') : created.refused}\n`,
            );
            return 2;
          }
          out.write(
            `Created administrator ${username}. Open this one-time link within 24 hours to set the password:\n\n  ${config.publicUrl}/admin/setup/${created.token}\n`,
          );
          return 0;
        } finally {
          await app.close();
        }
      }
      case 'audit': {
        if (sub !== 'verify') break;
        const key = subKey(loadInstanceKey(config.secretKey, config.dataDir), 'audit');
        const result = await new AuditLog(handle.db, handle.dialect, key).verify();
        if (result.ok) {
          out.write(`Audit log intact: ${result.count} entries, chain and signed head verified.\n`);
          return 0;
        }
        err.write(
          `AUDIT LOG TAMPERED: entry ${result.seq}: ${result.reason}. Entries 1-${result.intact} are intact.\n`,
        );
        return 1;
      }
      case 'backup': {
        const target = sub;
        if (!target) break;
        if (!handle.sqlite) {
          err.write('On PostgreSQL, use pg_dump (the data is sealed: the dump reveals no report or key).\n');
          return 2;
        }
        await handle.sqlite.backup(path.resolve(target));
        out.write(
          `Backup written to ${path.resolve(target)}. Keep ${path.join(config.dataDir, 'instance.key')} (or VIGIL_SECRET_KEY) safe and apart from it.\n`,
        );
        return 0;
      }
    }
    err.write(USAGE);
    return 2;
  } finally {
    await handle.close();
  }
}
