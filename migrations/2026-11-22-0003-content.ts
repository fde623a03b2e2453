import type { Kysely } from 'kysely';

// Frozen: never edit once landed. Add a new migration instead.
// Public lists, feeds and the home page read live posts newest first by first publication.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('posts_latest')
    .on('posts')
    .columns(['status', 'kind', 'lang', 'first_published_at'])
    .execute();
  await db.schema.createIndex('posts_series').on('posts').columns(['pub_series', 'status']).execute();
}

export async function down(): Promise<void> {
  throw new Error('This migration cannot be reverted.');
}
