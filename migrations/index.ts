import type { Migration } from 'kysely';
import * as foundation from './2026-11-22-0001-foundation.ts';
import * as publicChannel from './2026-11-22-0002-public-channel.ts';

/** Every migration, by name; names sort in the order they run. */
export const migrations: Record<string, Migration> = {
  '2026-11-22-0001-foundation': foundation,
  '2026-11-22-0002-public-channel': publicChannel,
};
