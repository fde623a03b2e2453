/**
 * A new report as rows, sealed: pure code with no database handle, so it runs in the report
 * writer's thread on SQLite (keeping the event loop free for everyone else) and on the event loop
 * on PostgreSQL. The input is plain data (it crosses to the writer thread by structured clone):
 * checked answers in the clear, and keys. Nothing readable leaves this function except the ids,
 * times and categories listed in THREAT_MODEL.md.
 */
import {
  clientSecretKeys,
  newDataKey,
  receiptSecrets,
  seal,
  sealToRecipients,
} from '../../platform/crypto/index.ts';
import type { IdentityMode, QuestionnaireKind, ReportSource } from '../../platform/db/schema.ts';
import { extractEntities } from './entities.ts';
import type { Answers } from './questionnaire.ts';

export const NOTIFY_JOB = 'reports.notify';
const DAY_MS = 86_400_000;
/**
 * How long a submission key (draft token, Idempotency-Key) answers with the same receipt: the
 * receipt page can be reloaded (or its text file downloaded) for this long, then it is gone.
 */
export const SUBMISSION_MEMORY_MS = 3_600_000;

/** The automatic acknowledgement, in both languages (the reporter reads it in the mailbox). */
export const ACKNOWLEDGEMENT = {
  en: 'Thank you. Your report has been received and registered. Staff will read it and reply here. Keep your receipt code safe: it is the only way back to this conversation.',
  'zh-CN':
    '感谢您的举报。您的举报已收到并登记。工作人员将阅读并在此回复。请妥善保管回执码：这是返回此对话的唯一方式。',
};

export interface ReporterIdentity {
  mode: IdentityMode;
  name?: string;
  contact?: string;
}

export interface StoredAttachmentRef {
  id: string;
  meta: { name: string; type: string; bytes: number; removed: string[] };
  storedBytes: number;
}

/** Everything needed to write one report: plain data that survives structured clone. */
export interface ReportInput {
  reportId: string;
  reference: string;
  ackId: string;
  /** The receipt code to seal the reporter's key under; null when the reporter gets none. */
  receiptCode: string | null;
  now: number;
  receivedAt: number;
  channelId: string;
  recipients: { keyId: string; staffId: string; publicKey: Uint8Array }[];
  /** The organisation recovery key, when one is set up: the keys are sealed to it as well. */
  recovery: { keyId: string; publicKey: Uint8Array } | null;
  /** The channel's clocks: acknowledge within ackDays, give feedback within feedbackDays. */
  ackDays: number;
  feedbackDays: number;
  questionnaireId: string;
  questionnaireVersion: number;
  kind: QuestionnaireKind;
  source: ReportSource;
  intakeStaffId: string | null;
  identity: ReporterIdentity;
  answers: Answers;
  lang: 'en' | 'zh-CN';
  files: StoredAttachmentRef[];
  /** The key the files were sealed with (a new one is made when null). */
  contentKey: Uint8Array | null;
  /** The client's submission secret: its keyed hash makes a second report with it impossible. */
  submissionKey: string | null;
  /** Queue a notice job for the channel with this report. */
  notice: boolean;
}

export interface RecordKeys {
  receipt: Buffer;
  linking: Buffer;
  reporter: Buffer;
}

type Value = string | number | Buffer | null;
export interface TableRows {
  table: string;
  columns: string[];
  rows: Value[][];
}

const buf = (u: Uint8Array) => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

/** Seals a report into the rows of each table, in insertion order. */
export function sealReport(r: ReportInput, keys: RecordKeys): TableRows[] {
  const contentKey = r.contentKey ? buf(r.contentKey) : newDataKey();
  const identityKey = r.identity.mode !== 'anonymous' ? newDataKey() : undefined;
  const receipt = r.receiptCode ? receiptSecrets(keys.receipt, r.receiptCode) : undefined;
  const recipients = r.recipients.map((k) => ({
    keyId: k.keyId,
    staffId: k.staffId,
    publicKey: buf(k.publicKey),
  }));
  // The recovery key rides along as one more recipient (with no staff id) and gets its own table.
  if (r.recovery)
    recipients.push({ keyId: r.recovery.keyId, staffId: '', publicKey: buf(r.recovery.publicKey) });
  const sealed = sealToRecipients(recipients, identityKey ? [contentKey, identityKey] : [contentKey], [
    `report/${r.reportId}/content-key`,
    `report/${r.reportId}/identity-key`,
  ]);
  const body = { answers: r.answers, lang: r.lang, files: r.files.map((f) => f.id) };
  const ackDue = r.now + r.ackDays * DAY_MS;
  const staffWraps = sealed.wraps.filter((w) => w.staffId !== '');
  const recoveryWraps = sealed.wraps.filter((w) => w.staffId === '');
  const out: TableRows[] = [
    {
      table: 'reports',
      columns: [
        'id',
        'reference',
        'channel_id',
        'questionnaire_id',
        'questionnaire_version',
        'kind',
        'source',
        'identity_mode',
        'status',
        'registered_at',
        'received_at',
        'intake_staff_id',
        'ephemeral_public',
        'sealed_answers',
        'sealed_identity',
        'receipt_lookup',
        'receipt_wrapped_key',
        'file_count',
        'last_reporter_activity_at',
        'updated_at',
        'version',
        'ack_due_at',
        'feedback_due_at',
        'next_due_at',
      ],
      rows: [
        [
          r.reportId,
          r.reference,
          r.channelId,
          r.questionnaireId,
          r.questionnaireVersion,
          r.kind,
          r.source,
          r.identity.mode,
          'received',
          r.now,
          r.receivedAt,
          r.intakeStaffId,
          sealed.ephemeralPublic,
          seal(contentKey, Buffer.from(JSON.stringify(body)), `report/${r.reportId}/answers`),
          identityKey
            ? seal(identityKey, Buffer.from(JSON.stringify(r.identity)), `report/${r.reportId}/identity`)
            : null,
          receipt?.lookup ?? null,
          receipt ? seal(receipt.wrapKey, contentKey, `report/${r.reportId}/receipt`) : null,
          r.files.length,
          r.now,
          r.now,
          1,
          ackDue,
          r.now + r.feedbackDays * DAY_MS,
          ackDue,
        ],
      ],
    },
    {
      table: 'report_key_wraps',
      columns: [
        'report_id',
        'key_id',
        'staff_id',
        'wrapped_content_key',
        'wrapped_identity_key',
        'created_at',
      ],
      rows: staffWraps.map((w) => [
        r.reportId,
        w.keyId,
        w.staffId,
        w.boxes[0] as Buffer,
        w.boxes[1] ?? null,
        r.now,
      ]),
    },
    {
      table: 'report_messages',
      columns: [
        'id',
        'report_id',
        'author',
        'staff_id',
        'kind',
        'sealed_body',
        'created_at',
        'seen_by_reporter_at',
      ],
      rows: [
        [
          r.ackId,
          r.reportId,
          'system',
          null,
          'acknowledgement',
          seal(
            contentKey,
            Buffer.from(JSON.stringify({ text: ACKNOWLEDGEMENT })),
            `report/${r.reportId}/message/${r.ackId}`,
          ),
          r.now,
          null,
        ],
      ],
    },
  ];
  if (recoveryWraps.length > 0) {
    out.push({
      table: 'report_recovery_wraps',
      columns: ['report_id', 'key_id', 'wrapped_content_key', 'wrapped_identity_key', 'created_at'],
      rows: recoveryWraps.map((w) => [r.reportId, w.keyId, w.boxes[0] as Buffer, w.boxes[1] ?? null, r.now]),
    });
  }
  if (r.files.length > 0) {
    out.push({
      table: 'report_files',
      columns: ['id', 'report_id', 'message_id', 'sealed_meta', 'stored_bytes', 'created_at'],
      rows: r.files.map((f) => [
        f.id,
        r.reportId,
        null,
        seal(contentKey, Buffer.from(JSON.stringify(f.meta)), `report/${r.reportId}/file/${f.id}`),
        f.storedBytes,
        r.now,
      ]),
    });
  }
  const entities = extractEntities(keys.linking, r.answers, [r.identity.contact ?? '']);
  if (entities.length > 0) {
    out.push({
      table: 'report_entities',
      columns: ['report_id', 'kind', 'digest'],
      rows: entities.map((e) => [r.reportId, e.kind, e.digest]),
    });
  }
  if (r.submissionKey) {
    const submission = clientSecretKeys(keys.reporter, r.submissionKey);
    out.push({
      table: 'report_submissions',
      columns: ['id', 'report_id', 'sealed_receipt', 'created_at', 'expires_at'],
      rows: [
        [
          submission.id,
          r.reportId,
          seal(
            submission.key,
            Buffer.from(JSON.stringify({ code: r.receiptCode })),
            `submission/${submission.id}`,
          ),
          r.now,
          r.now + SUBMISSION_MEMORY_MS,
        ],
      ],
    });
  }
  return out;
}

export interface Statement {
  sql: string;
  parameters: Value[];
}

/**
 * Plain INSERT statements for the rows (placeholders ? on SQLite, $n on PostgreSQL), plus the
 * notice job. Written by hand rather than through the query builder: this runs for every report.
 */
export function insertStatements(
  r: ReportInput,
  tables: TableRows[],
  dialect: 'sqlite' | 'postgres',
): Statement[] {
  let n = 0;
  const ph = () => (dialect === 'sqlite' ? '?' : `$${++n}`);
  const out: Statement[] = [];
  for (const t of tables) {
    n = 0;
    const values = t.rows.map((row) => `(${row.map(ph).join(', ')})`).join(', ');
    out.push({
      sql: `insert into ${t.table} (${t.columns.join(', ')}) values ${values}`,
      parameters: t.rows.flat(),
    });
  }
  if (r.notice) {
    // One queued notice per channel at a time: recipients hear "new reports", never their content.
    n = 0;
    const payload = JSON.stringify({ channelId: r.channelId });
    const [kind, p1, now1, now2, now3, kind2, p2] = [ph(), ph(), ph(), ph(), ph(), ph(), ph()];
    out.push({
      sql: `insert into jobs (kind, payload, status, run_at, attempts, max_attempts, created_at, updated_at)
        select ${kind}, ${p1}, 'queued', ${now1}, 0, 5, ${now2}, ${now3}
        where not exists (select 1 from jobs where kind = ${kind2} and status = 'queued' and payload = ${p2})`,
      parameters: [NOTIFY_JOB, payload, r.now, r.now, r.now, NOTIFY_JOB, payload],
    });
  }
  return out;
}
