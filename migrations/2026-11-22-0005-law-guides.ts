import type { Kysely } from 'kysely';

// Frozen: never edit once landed. Add a new migration instead.
// The law explainer: a short heading per article ("Ways to report"), so lists of articles and
// search results say what each one is about, not just its number.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('law_articles')
    .addColumn('title_en', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('law_articles')
    .addColumn('title_zh', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('This migration cannot be reverted.');
}
