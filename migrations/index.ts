import type { Migration } from 'kysely';
import * as foundation from './2026-11-22-0001-foundation.ts';
import * as publicChannel from './2026-11-22-0002-public-channel.ts';
import * as content from './2026-11-22-0003-content.ts';
import * as lawGuides from './2026-11-22-0005-law-guides.ts';
import * as search from './2026-11-22-0006-search.ts';
import * as reports from './2026-11-22-0007-reports.ts';
import * as cases from './2026-11-22-0008-cases.ts';

/** Every migration, by name; names sort in the order they run. */
export const migrations: Record<string, Migration> = {
  '2026-11-22-0001-foundation': foundation,
  '2026-11-22-0002-public-channel': publicChannel,
  '2026-11-22-0003-content': content,
  '2026-11-22-0005-law-guides': lawGuides,
  '2026-11-22-0006-search': search,
  '2026-11-22-0007-reports': reports,
  '2026-11-22-0008-cases': cases,
};
