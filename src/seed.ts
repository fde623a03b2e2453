/**
 * Seeding: the default site settings and the default content pack (posts, the law explainer,
 * guides, a captioned video). `vigil seed` runs it on demand; `npm start` runs it by itself when
 * the database is empty. Every step is idempotent, so running it twice creates nothing twice.
 */
import type { AppContext } from './app-context.ts';
import type { Config } from './config/index.ts';
import { DEFAULT_PACK, findPackDir, readContentPack } from './content-packs/loader.ts';
import { isEmptyForSeeding, type SeedReport, seedContentPack, withSeedLock } from './content-packs/seed.ts';
import { DEFAULT_SITE_SETTINGS } from './modules/settings/service.ts';
import type { DatabaseHandle } from './platform/db/index.ts';

async function seedSettings(ctx: AppContext): Promise<boolean> {
  const existing = await ctx.db
    .selectFrom('settings')
    .select('key')
    .where('key', '=', 'site')
    .executeTakeFirst();
  if (existing) return false;
  await ctx.db
    .insertInto('settings')
    .values({ key: 'site', value: JSON.stringify(DEFAULT_SITE_SETTINGS), updated_at: ctx.now() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  await ctx.settings.refreshIfChanged();
  return true;
}

export function describeSeed(settings: boolean, report: SeedReport): string {
  const lines: string[] = [];
  lines.push(settings ? 'Seeded the default site settings.' : 'Site settings already present.');
  const created =
    report.posts +
    report.guides +
    report.videos +
    report.law.articles +
    (report.law.created ? 1 : 0) +
    report.channels +
    report.questionnaires;
  lines.push(
    created === 0
      ? 'The default content pack is already in place: nothing to add.'
      : `Content pack: ${report.law.created ? 'a law, ' : ''}${report.law.articles} law articles, ${report.guides} guides, ${report.videos} videos, ${report.posts} posts and pages, ${report.channels} reporting channels and ${report.questionnaires} questionnaires added.`,
  );
  if (report.channels > 0)
    lines.push(
      'Reporting channels are closed until an admin adds recipients and opens them (/admin/channels).',
    );
  for (const s of report.skipped) lines.push(`Not seeded: ${s}`);
  return lines.join('\n');
}

/** Seeds settings and the default content pack into a running app context. */
export async function seedDatabase(ctx: AppContext, packName = DEFAULT_PACK): Promise<string> {
  const pack = readContentPack(findPackDir(packName));
  return withSeedLock(ctx, async () => {
    const settings = await seedSettings(ctx);
    const report = await seedContentPack(ctx, pack);
    return describeSeed(settings, report);
  });
}

/** `npm start`: seeds only a database that has no public content and was never seeded. */
export async function seedIfEmpty(ctx: AppContext, packName = DEFAULT_PACK): Promise<string | undefined> {
  if (!(await isEmptyForSeeding(ctx, packName))) return undefined;
  const pack = readContentPack(findPackDir(packName));
  return withSeedLock(ctx, async () => {
    // Another node may have seeded while this one waited for the lock.
    if (!(await isEmptyForSeeding(ctx, packName))) return undefined;
    const settings = await seedSettings(ctx);
    const report = await seedContentPack(ctx, pack);
    return describeSeed(settings, report);
  });
}

/** `vigil seed`: builds the app on the open database (the services do the writing) and seeds. */
export async function seed(config: Config, handle: DatabaseHandle): Promise<string> {
  const { buildApp } = await import('./app.ts');
  const app = await buildApp(config, { database: handle, skipMigrations: true });
  try {
    await app.ready();
    return await seedDatabase(app.vigil);
  } finally {
    await app.close();
  }
}
