import type { Kysely } from 'kysely';
import { columnTypes } from './helpers.ts';

// Frozen: never edit once landed. Add a new migration instead.
// The reporting channel (issue 4): channels and their recipients, versioned questionnaires, sealed
// reports with their key wraps, messages and files, sealed drafts of the web form, and the record
// that makes a repeated submission answer with the same receipt instead of a second report.
// Nothing a reporter wrote is stored in the clear: every text and file column here is sealed.
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  await db.schema.alterTable('staff').addColumn('email', 'text').execute();

  await db.schema
    .createTable('report_channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('name_zh', 'text', (c) => c.notNull())
    .addColumn('description_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('description_zh', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('closed'))
    .addColumn('ack_days', 'integer', (c) => c.notNull().defaultTo(7))
    .addColumn('feedback_days', 'integer', (c) => c.notNull().defaultTo(90))
    .addColumn('max_per_minute', 'integer', (c) => c.notNull().defaultTo(600))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('updated_at', t.bigint, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('channel_recipients')
    .addColumn('channel_id', 'text', (c) => c.notNull().references('report_channels.id').onDelete('cascade'))
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id').onDelete('cascade'))
    .addColumn('added_at', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('channel_recipients_pk', ['channel_id', 'staff_id'])
    .execute();

  await db.schema
    .createTable('questionnaires')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull().references('report_channels.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('topics', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('current_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('updated_at', t.bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('questionnaire_versions')
    .addColumn('questionnaire_id', 'text', (c) => c.notNull().references('questionnaires.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.references('staff.id').onDelete('set null'))
    .addPrimaryKeyConstraint('questionnaire_versions_pk', ['questionnaire_id', 'version'])
    .execute();

  await db.schema
    .createTable('reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('channel_id', 'text', (c) => c.notNull().references('report_channels.id'))
    .addColumn('questionnaire_id', 'text', (c) => c.notNull())
    .addColumn('questionnaire_version', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('identity_mode', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('received'))
    .addColumn('registered_at', t.bigint, (c) => c.notNull())
    .addColumn('received_at', t.bigint, (c) => c.notNull())
    .addColumn('intake_staff_id', 'text', (c) => c.references('staff.id').onDelete('set null'))
    .addColumn('ephemeral_public', t.blob, (c) => c.notNull())
    .addColumn('sealed_answers', t.blob, (c) => c.notNull())
    .addColumn('sealed_identity', t.blob)
    .addColumn('receipt_lookup', 'text', (c) => c.unique())
    .addColumn('receipt_wrapped_key', t.blob)
    .addColumn('file_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_reporter_activity_at', t.bigint, (c) => c.notNull())
    .addColumn('updated_at', t.bigint, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .createIndex('reports_channel_registered')
    .on('reports')
    .columns(['channel_id', 'registered_at'])
    .execute();
  await db.schema.createIndex('reports_registered').on('reports').columns(['registered_at', 'id']).execute();

  await db.schema
    .createTable('report_key_wraps')
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('key_id', 'text', (c) => c.notNull().references('staff_keys.id').onDelete('cascade'))
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id').onDelete('cascade'))
    .addColumn('wrapped_content_key', t.blob, (c) => c.notNull())
    .addColumn('wrapped_identity_key', t.blob)
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('report_key_wraps_pk', ['report_id', 'key_id'])
    .execute();
  await db.schema
    .createIndex('report_key_wraps_staff')
    .on('report_key_wraps')
    .columns(['staff_id', 'report_id'])
    .execute();

  await db.schema
    .createTable('report_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('staff_id', 'text', (c) => c.references('staff.id').onDelete('set null'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('sealed_body', t.blob, (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('seen_by_reporter_at', t.bigint)
    .execute();
  await db.schema
    .createIndex('report_messages_report')
    .on('report_messages')
    .columns(['report_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('report_files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('message_id', 'text')
    .addColumn('sealed_meta', t.blob, (c) => c.notNull())
    .addColumn('stored_bytes', t.bigint, (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('report_files_report')
    .on('report_files')
    .columns(['report_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('report_entities')
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('report_entities_pk', ['report_id', 'kind', 'digest'])
    .execute();
  await db.schema
    .createIndex('report_entities_digest')
    .on('report_entities')
    .columns(['kind', 'digest'])
    .execute();

  await db.schema
    .createTable('report_drafts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sealed_state', t.blob, (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('updated_at', t.bigint, (c) => c.notNull())
    .addColumn('expires_at', t.bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('report_drafts_expires').on('report_drafts').column('expires_at').execute();

  await db.schema
    .createTable('report_submissions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('sealed_receipt', t.blob, (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('expires_at', t.bigint, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('report_submissions_expires')
    .on('report_submissions')
    .column('expires_at')
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('This migration cannot be reverted.');
}
