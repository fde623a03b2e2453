/**
 * Seeding an empty database: the default site settings. The default content pack (posts, law
 * explainer, guides) joins this when the public channel lands.
 */
import type { Config } from './config/index.ts';
import { DEFAULT_SITE_SETTINGS } from './modules/settings/service.ts';
import type { DatabaseHandle } from './platform/db/index.ts';

export async function seed(_config: Config, handle: DatabaseHandle): Promise<string> {
  const existing = await handle.db
    .selectFrom('settings')
    .select('key')
    .where('key', '=', 'site')
    .executeTakeFirst();
  if (existing) return 'Settings already present: nothing to seed.';
  await handle.db
    .insertInto('settings')
    .values({ key: 'site', value: JSON.stringify(DEFAULT_SITE_SETTINGS), updated_at: Date.now() })
    .execute();
  return 'Seeded the default site settings.';
}
