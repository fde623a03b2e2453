import { type Kysely, sql } from 'kysely';
import { columnTypes } from './helpers.ts';

// Frozen once landed: never edit then. Add a new migration instead.
// The back office (issue 5): the case state kept beside each report (assignee, priority, deadlines,
// outcome, flags, retention), labels, links, the timeline, internal notes (sealed, and in their own
// table so the reporter's mailbox can never show one), four-eyes approvals, identity grants,
// protection checklists, reminders and back-office notices, retention rules, the non-identifying
// statistics that outlive a purged case, saved inbox filters, CSV exports, and the organisation
// recovery key with its Shamir shares.
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  const addToReports = [
    ['assignee_id', 'text'],
    ['ack_due_at', t.bigint],
    ['feedback_due_at', t.bigint],
    // The next deadline still to meet (acknowledgement, then feedback); null once concluded.
    ['next_due_at', t.bigint],
    ['acknowledged_at', t.bigint],
    ['first_reply_at', t.bigint],
    ['concluded_at', t.bigint],
    ['outcome', 'text'],
    ['sealed_conclusion', t.blob],
    ['purge_after', t.bigint],
  ] as const;
  for (const [name, type] of addToReports)
    await db.schema
      .alterTable('reports')
      .addColumn(name, type as any)
      .execute();
  await db.schema
    .alterTable('reports')
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(2))
    .execute();
  for (const flag of ['legal_hold', 'reporter_at_risk', 'protect_named'])
    await db.schema
      .alterTable('reports')
      .addColumn(flag, 'integer', (c) => c.notNull().defaultTo(0))
      .execute();

  // Reports already registered get the clocks of their channel.
  await sql`update reports set
      ack_due_at = registered_at + cast(86400000 as bigint) * (select c.ack_days from report_channels c where c.id = reports.channel_id),
      feedback_due_at = registered_at + cast(86400000 as bigint) * (select c.feedback_days from report_channels c where c.id = reports.channel_id)`.execute(
    db,
  );
  await sql`update reports set next_due_at = case when status = 'received' then ack_due_at
      when status = 'concluded' then null else feedback_due_at end`.execute(db);

  // The inbox sorts by registration (newest first) or by the next deadline; each filter it offers
  // has an index that leads with it and ends in the sort key, so any page is a short index range.
  for (const col of ['status', 'assignee_id', 'priority', 'questionnaire_id'])
    await db.schema
      .createIndex(`reports_${col}_registered`)
      .on('reports')
      .columns([col, 'registered_at', 'id'])
      .execute();
  await db.schema.createIndex('reports_next_due').on('reports').columns(['next_due_at', 'id']).execute();
  // "Next deadline first" within any filter the inbox offers ("my cases, most urgent first",
  // "overdue in this channel"): equality, then the deadline range, already in order.
  for (const col of ['status', 'assignee_id', 'channel_id', 'questionnaire_id', 'priority'])
    await db.schema
      .createIndex(`reports_${col}_due`)
      .on('reports')
      .columns([col, 'next_due_at', 'id'])
      .execute();
  await db.schema.createIndex('reports_purge_after').on('reports').column('purge_after').execute();

  await db.schema
    .createTable('case_labels')
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('label', 'text', (c) => c.notNull())
    // Copied from the report so a label's cases page in registration order straight off the index.
    .addColumn('registered_at', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('case_labels_pk', ['report_id', 'label'])
    .execute();
  await db.schema
    .createIndex('case_labels_label')
    .on('case_labels')
    .columns(['label', 'registered_at', 'report_id'])
    .execute();

  await db.schema
    .createTable('case_links')
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('linked_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('created_by', 'text', (c) => c.references('staff.id').onDelete('set null'))
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('case_links_pk', ['report_id', 'linked_id'])
    .execute();

  await db.schema
    .createTable('case_events')
    .addColumn('id', t.serialPk as any)
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('at', t.bigint, (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.references('staff.id').onDelete('set null'))
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    // JSON of non-identifying facts only (statuses, outcome codes, labels, staff names).
    .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('case_events_report').on('case_events').columns(['report_id', 'id']).execute();

  await db.schema
    .createTable('case_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('staff_id', 'text', (c) => c.references('staff.id').onDelete('set null'))
    .addColumn('sealed_body', t.blob, (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('case_notes_report')
    .on('case_notes')
    .columns(['report_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('case_approvals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    // conclusion | identity
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.references('staff.id').onDelete('set null'))
    .addColumn('requested_at', t.bigint, (c) => c.notNull())
    // The written reason, sealed under the report's content key.
    .addColumn('sealed_reason', t.blob, (c) => c.notNull())
    .addColumn('outcome', 'text')
    // pending | approved | refused | withdrawn
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    // four-eyes | consent (identity requests)
    .addColumn('basis', 'text')
    .addColumn('decided_by', 'text', (c) => c.references('staff.id').onDelete('set null'))
    .addColumn('decided_at', t.bigint)
    .execute();
  await db.schema
    .createIndex('case_approvals_status')
    .on('case_approvals')
    .columns(['status', 'requested_at'])
    .execute();
  await db.schema
    .createIndex('case_approvals_report')
    .on('case_approvals')
    .columns(['report_id', 'requested_at'])
    .execute();

  await db.schema
    .createTable('identity_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id').onDelete('cascade'))
    .addColumn('approval_id', 'text', (c) => c.references('case_approvals.id').onDelete('cascade'))
    .addColumn('basis', 'text', (c) => c.notNull())
    .addColumn('granted_at', t.bigint, (c) => c.notNull())
    .addColumn('expires_at', t.bigint, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('identity_grants_report')
    .on('identity_grants')
    .columns(['report_id', 'staff_id', 'expires_at'])
    .execute();

  await db.schema
    .createTable('case_checklist')
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    // reporter-at-risk | protect-named
    .addColumn('flag', 'text', (c) => c.notNull())
    .addColumn('item', 'text', (c) => c.notNull())
    .addColumn('done_by', 'text', (c) => c.references('staff.id').onDelete('set null'))
    .addColumn('done_at', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('case_checklist_pk', ['report_id', 'flag', 'item'])
    .execute();

  // One row per reminder, warning or escalation sent: the job never sends the same one twice.
  await db.schema
    .createTable('case_reminders')
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('due_at', t.bigint, (c) => c.notNull())
    .addColumn('sent_at', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('case_reminders_pk', ['report_id', 'kind', 'due_at'])
    .execute();

  // What the back office shows a staff member on their dashboard: reminders, escalations, approvals.
  await db.schema
    .createTable('staff_notices')
    .addColumn('id', t.serialPk as any)
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id').onDelete('cascade'))
    .addColumn('report_id', 'text', (c) => c.references('reports.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('read_at', t.bigint)
    .execute();
  await db.schema
    .createIndex('staff_notices_staff')
    .on('staff_notices')
    .columns(['staff_id', 'read_at', 'created_at'])
    .execute();

  await db.schema
    .createTable('retention_rules')
    .addColumn('outcome', 'text', (c) => c.primaryKey())
    .addColumn('days', 'integer', (c) => c.notNull())
    .addColumn('updated_at', t.bigint, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  const now = Date.now();
  const defaults: [string, number][] = [
    ['substantiated', 1825],
    ['unsubstantiated', 180],
    ['insufficient-information', 180],
    ['referred', 365],
    ['duplicate', 90],
    ['out-of-scope', 90],
    ['false-or-malicious', 1825],
  ];
  await db
    .insertInto('retention_rules')
    .values(defaults.map(([outcome, days]) => ({ outcome, days, updated_at: now, version: 1 })))
    .execute();

  // What remains of a purged case: when and how it went, nothing about anyone.
  await db.schema
    .createTable('case_statistics')
    .addColumn('id', t.serialPk as any)
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('questionnaire_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    // Day precision: the exact minute of a report can be identifying.
    .addColumn('registered_day', t.bigint, (c) => c.notNull())
    .addColumn('ack_due_at', t.bigint)
    .addColumn('feedback_due_at', t.bigint)
    .addColumn('acknowledged_after_ms', t.bigint)
    .addColumn('first_reply_after_ms', t.bigint)
    .addColumn('concluded_after_ms', t.bigint)
    .addColumn('ack_met', 'integer')
    .addColumn('feedback_met', 'integer')
    .addColumn('outcome', 'text')
    .addColumn('purged_at', t.bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('saved_filters')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('saved_filters_staff')
    .on('saved_filters')
    .columns(['staff_id', 'name'])
    .execute();

  await db.schema
    .createTable('case_exports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id').onDelete('cascade'))
    .addColumn('query', 'text', (c) => c.notNull())
    // queued | running | done | failed
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('rows_done', t.bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('rows_total', t.bigint)
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('finished_at', t.bigint)
    .execute();

  await db.schema
    .createTable('recovery_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('public_key', t.blob, (c) => c.notNull())
    .addColumn('threshold', 'integer', (c) => c.notNull())
    .addColumn('share_count', 'integer', (c) => c.notNull())
    // active | retired
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.references('staff.id').onDelete('set null'))
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('recovery_shares')
    .addColumn('key_id', 'text', (c) => c.notNull().references('recovery_keys.id').onDelete('cascade'))
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id').onDelete('cascade'))
    .addColumn('share_index', 'integer', (c) => c.notNull())
    // The share sealed to the holder's public key (staff_keys.id below).
    .addColumn('staff_key_id', 'text', (c) => c.notNull())
    .addColumn('sealed_share', t.blob, (c) => c.notNull())
    .addPrimaryKeyConstraint('recovery_shares_pk', ['key_id', 'staff_id'])
    .execute();

  await db.schema
    .createTable('report_recovery_wraps')
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('key_id', 'text', (c) => c.notNull().references('recovery_keys.id').onDelete('cascade'))
    .addColumn('wrapped_content_key', t.blob, (c) => c.notNull())
    .addColumn('wrapped_identity_key', t.blob)
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('report_recovery_wraps_pk', ['report_id', 'key_id'])
    .execute();

  await db.schema
    .createTable('recovery_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_id', 'text', (c) => c.notNull().references('recovery_keys.id').onDelete('cascade'))
    .addColumn('target_staff_id', 'text', (c) => c.notNull().references('staff.id').onDelete('cascade'))
    .addColumn('requested_by', 'text', (c) => c.references('staff.id').onDelete('set null'))
    .addColumn('reason', 'text', (c) => c.notNull())
    // pending | completed | cancelled
    .addColumn('status', 'text', (c) => c.notNull())
    // The request's own key pair: approvers seal their share to it; its private half is sealed
    // under a key derived from the instance key, which is kept outside the database.
    .addColumn('request_public', t.blob, (c) => c.notNull())
    .addColumn('sealed_request_private', t.blob, (c) => c.notNull())
    .addColumn('created_at', t.bigint, (c) => c.notNull())
    .addColumn('completed_at', t.bigint)
    .execute();

  await db.schema
    .createTable('recovery_approvals')
    .addColumn('request_id', 'text', (c) =>
      c.notNull().references('recovery_requests.id').onDelete('cascade'),
    )
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id').onDelete('cascade'))
    .addColumn('sealed_share', t.blob, (c) => c.notNull())
    .addColumn('approved_at', t.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('recovery_approvals_pk', ['request_id', 'staff_id'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('This migration cannot be reverted.');
}
