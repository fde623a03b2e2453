import { type Kysely, sql } from 'kysely';
import { columnTypes } from './helpers.ts';

// Frozen: never edit once landed. Add a new migration instead.
// The public channel: posts with revisions and review, media, the law explainer, guides, the
// search index, daily view counts and email subscriptions.
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  await db.schema
    .createTable('media')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull()) // image | video | captions
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('bytes', t.bigint, (c) => c.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('duration_ms', t.bigint)
    .addColumn('lang', 'text') // captions: the language of the track
    .addColumn('parent_id', 'text') // captions and posters belong to a video
    .addColumn('alt_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('alt_zh', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('variants', 'text', (c) => c.notNull().defaultTo('[]')) // JSON: [{name,width,height,mime,bytes}]
    .addColumn('created_by', 'text')
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('media_parent').on('media').column('parent_id').execute();

  await db.schema
    .createTable('posts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull()) // post | page
    .addColumn('lang', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('translation_group', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // draft | in_review | approved | published | unpublished
    .addColumn('current_revision_id', 'text', (c) => c.notNull())
    .addColumn('published_revision_id', 'text')
    .addColumn('review_state', 'text', (c) => c.notNull().defaultTo('none')) // none | in_review | approved | changes_requested
    .addColumn('submitted_by', 'text')
    .addColumn('submitted_at', t.bigint)
    .addColumn('reviewed_by', 'text')
    .addColumn('reviewed_at', t.bigint)
    .addColumn('review_note', 'text')
    .addColumn('publish_at', t.bigint) // scheduled publication of the approved revision
    .addColumn('first_published_at', t.bigint)
    .addColumn('published_at', t.bigint) // last time a revision went live
    .addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0))
    // The live version, denormalised so public pages, feeds and search read one row.
    .addColumn('pub_title', 'text')
    .addColumn('pub_summary', 'text')
    .addColumn('pub_html', 'text')
    .addColumn('pub_cover_media_id', 'text')
    .addColumn('pub_video_media_id', 'text')
    .addColumn('pub_series', 'text')
    .addColumn('pub_report_topic', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('updated_at', t.bigint, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('posts_lang_slug', ['lang', 'slug'])
    .execute();
  await db.schema.createIndex('posts_live').on('posts').columns(['status', 'lang', 'published_at']).execute();
  await db.schema.createIndex('posts_group').on('posts').column('translation_group').execute();
  await db.schema.createIndex('posts_schedule').on('posts').columns(['review_state', 'publish_at']).execute();

  await db.schema
    .createTable('post_revisions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('post_id', 'text', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('n', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('body_md', 'text', (c) => c.notNull())
    .addColumn('cover_media_id', 'text')
    .addColumn('video_media_id', 'text')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]')) // JSON array of tag slugs
    .addColumn('series', 'text')
    .addColumn('report_topic', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addUniqueConstraint('post_revisions_n', ['post_id', 'n'])
    .execute();

  await db.schema
    .createTable('post_tags')
    .addColumn('post_id', 'text', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('post_tags_pk', ['post_id', 'tag'])
    .execute();
  await db.schema.createIndex('post_tags_tag').on('post_tags').columns(['tag', 'post_id']).execute();

  await db.schema
    .createTable('laws')
    .addColumn('slug', 'text', (c) => c.primaryKey())
    .addColumn('title_en', 'text', (c) => c.notNull())
    .addColumn('title_zh', 'text', (c) => c.notNull())
    .addColumn('summary_en', 'text', (c) => c.notNull())
    .addColumn('summary_zh', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('updated_at', t.bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('law_articles')
    .addColumn('law_slug', 'text', (c) => c.notNull().references('laws.slug').onDelete('cascade'))
    .addColumn('slug', 'text', (c) => c.notNull()) // e.g. "article-16"
    .addColumn('chapter_no', 'integer', (c) => c.notNull())
    .addColumn('chapter_title_en', 'text', (c) => c.notNull())
    .addColumn('chapter_title_zh', 'text', (c) => c.notNull())
    .addColumn('article_no', 'integer', (c) => c.notNull())
    .addColumn('text_en', 'text', (c) => c.notNull())
    .addColumn('text_zh', 'text', (c) => c.notNull())
    .addColumn('note_en', 'text', (c) => c.notNull()) // the plain-language note
    .addColumn('note_zh', 'text', (c) => c.notNull())
    .addColumn('topics', 'text', (c) => c.notNull().defaultTo('[]')) // JSON: reporting, confidentiality, rewards...
    .addColumn('updated_at', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('law_articles_pk', ['law_slug', 'slug'])
    .execute();

  await db.schema
    .createTable('guides')
    .addColumn('slug', 'text', (c) => c.primaryKey())
    .addColumn('audience', 'text', (c) => c.notNull()) // citizens | company-staff | researchers | travellers
    .addColumn('title_en', 'text', (c) => c.notNull())
    .addColumn('title_zh', 'text', (c) => c.notNull())
    .addColumn('intro_en', 'text', (c) => c.notNull())
    .addColumn('intro_zh', 'text', (c) => c.notNull())
    .addColumn('red_flags_en', 'text', (c) => c.notNull()) // JSON array of strings
    .addColumn('red_flags_zh', 'text', (c) => c.notNull())
    .addColumn('what_to_do_en', 'text', (c) => c.notNull())
    .addColumn('what_to_do_zh', 'text', (c) => c.notNull())
    .addColumn('report_topic', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('updated_at', t.bigint, (c) => c.notNull())
    .execute();

  // The search index: one row per document and language. `terms` holds the normalised tokens
  // (Chinese as overlapping bigrams plus single characters, English stemmed), so both databases
  // match two-character Chinese words the same way.
  await db.schema
    .createTable('search_docs')
    .addColumn('key', 'text', (c) => c.primaryKey()) // e.g. post:<id>, law:<law>/<article>:en
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('lang', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('terms', 'text', (c) => c.notNull())
    .addColumn('updated_at', t.bigint, (c) => c.notNull())
    .execute();
  if (t.postgres) {
    await sql`alter table search_docs add column tsv tsvector generated always as (to_tsvector('simple', terms)) stored`.execute(
      db,
    );
    await sql`create index search_docs_tsv on search_docs using gin (tsv)`.execute(db);
  } else {
    await sql`create virtual table search_fts using fts5(terms, content='search_docs', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')`.execute(
      db,
    );
    await sql`create trigger search_docs_ai after insert on search_docs begin
      insert into search_fts(rowid, terms) values (new.rowid, new.terms); end`.execute(db);
    await sql`create trigger search_docs_ad after delete on search_docs begin
      insert into search_fts(search_fts, rowid, terms) values ('delete', old.rowid, old.terms); end`.execute(
      db,
    );
    await sql`create trigger search_docs_au after update on search_docs begin
      insert into search_fts(search_fts, rowid, terms) values ('delete', old.rowid, old.terms);
      insert into search_fts(rowid, terms) values (new.rowid, new.terms); end`.execute(db);
  }
  await db.schema.createIndex('search_docs_lang').on('search_docs').columns(['lang', 'kind']).execute();

  // Views counted per page and day: no cookie, no address, nothing about the reader.
  await db.schema
    .createTable('page_views')
    .addColumn('day', 'text', (c) => c.notNull()) // YYYY-MM-DD (UTC)
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('views', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('page_views_pk', ['day', 'path'])
    .execute();

  // Email subscribers. The address is sealed under an instance sub-key and found by its keyed hash;
  // it is deleted, not flagged, on unsubscribe.
  await db.schema
    .createTable('subscribers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email_hash', 'text', (c) => c.notNull().unique())
    .addColumn('email_sealed', t.blob, (c) => c.notNull())
    .addColumn('lang', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // pending | confirmed
    .addColumn('confirm_hash', 'text')
    .addColumn('unsubscribe_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('confirmed_at', t.bigint)
    .execute();
  await db.schema.createIndex('subscribers_confirm').on('subscribers').column('confirm_hash').execute();
  await db.schema
    .createIndex('subscribers_lang')
    .on('subscribers')
    .columns(['status', 'lang', 'id'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('This migration cannot be reverted.');
}
