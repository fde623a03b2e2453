/**
 * The one path every report takes into Vigil: the web form, the JSON API (and through it the
 * messaging-platform adapter), and staff recording a call, a letter or a walk-in. It checks the
 * answers against the questionnaire version shown, seals everything under fresh keys, wraps the
 * keys to the channel's recipients and to the receipt code, and commits it durably before the
 * receipt is returned. No address, user agent or anything else about the sender is seen here.
 */
import crypto from 'node:crypto';
import { type CompiledQuery, sql } from 'kysely';
import type { AppContext } from '../../app-context.ts';
import {
  clientSecretKeys,
  newDataKey,
  open,
  receiptSecrets,
  seal,
  sealToRecipients,
} from '../../platform/crypto/index.ts';
import type { IdentityMode, QuestionnaireKind, ReportSource } from '../../platform/db/schema.ts';
import { RateLimiter } from '../../platform/http/throttle.ts';
import type { ChannelDirectory, ChannelInfo, QuestionnaireInfo } from './directory.ts';
import { extractEntities } from './entities.ts';
import { type AnswerProblem, type Answers, checkAll, type QuestionnaireDefinition } from './questionnaire.ts';
import { newReceiptCode, newReference } from './receipt.ts';
import type { ReportWriter } from './report-writer.ts';

export const NOTIFY_JOB = 'reports.notify';
/** How often this node asks for a notice of new reports per channel. */
export const NOTICE_EVERY_MS = 10_000;
/**
 * How long a submission key (draft token, Idempotency-Key) answers with the same receipt: the
 * receipt page can be reloaded (or its text file downloaded) for this long, then it is gone.
 */
export const SUBMISSION_MEMORY_MS = 3_600_000;

export interface ReporterIdentity {
  mode: IdentityMode;
  /** Confidential and named only. */
  name?: string;
  /** How to reach the reporter (phone, e-mail, post), confidential and named only. */
  contact?: string;
}

export interface StoredAttachmentRef {
  id: string;
  /** What the reporter is told about the file; sealed with the report. */
  meta: { name: string; type: string; bytes: number; removed: string[] };
  storedBytes: number;
}

export interface IntakeRequest {
  questionnaireId: string;
  /** The version the reporter answered; the current one when absent. */
  questionnaireVersion?: number;
  /** Raw answers by question id (checked here: the same checks for every front end). */
  answers: Record<string, unknown>;
  identity: ReporterIdentity;
  source: ReportSource;
  /** Staff intake: when the call, letter or visit happened. Defaults to now. */
  receivedAt?: number;
  intakeStaffId?: string;
  /** The language the reporter used (messages to them are written in it). */
  lang: 'en' | 'zh-CN';
  /** Files already sealed (attachments.ts) under contentKey. */
  files?: StoredAttachmentRef[];
  /** The content key the files were sealed with; a new one is made when there are no files. */
  contentKey?: Buffer;
  /** A secret the client holds (draft token, Idempotency-Key): the same key never makes two reports. */
  submissionKey?: string;
  /** Whether the reporter gets a receipt code (staff intake may decline, e.g. a letter with no way back). */
  withReceipt?: boolean;
  /** Staff intake is not subject to the public rate limits. */
  skipRateLimits?: boolean;
}

export interface IntakeReceipt {
  reportId: string;
  reference: string;
  /** The receipt code (undefined when none was asked for). Shown once, never stored readable. */
  receiptCode: string | undefined;
  registeredAt: number;
  /** True when this answers a repeated submission: the report was made earlier. */
  repeated: boolean;
}

export type IntakeRefusal =
  | { kind: 'unknown-questionnaire' }
  | { kind: 'channel-closed' }
  | { kind: 'no-recipient' }
  | { kind: 'busy' }
  /** Keys are question ids, or identity.mode / identity.name / identity.contact. */
  | { kind: 'invalid'; errors: Record<string, AnswerProblem | 'unknown-question'> };

export class IntakeRefused extends Error {
  constructor(readonly refusal: IntakeRefusal) {
    super(`report refused: ${refusal.kind}`);
  }
}

const NAME_MAX = 200;
const CONTACT_MAX = 500;

/** The automatic acknowledgement, in both languages (the reporter reads it in the mailbox). */
export const ACKNOWLEDGEMENT = {
  en: 'Thank you. Your report has been received and registered. Staff will read it and reply here. Keep your receipt code safe: it is the only way back to this conversation.',
  'zh-CN':
    '感谢您的举报。您的举报已收到并登记。工作人员将阅读并在此回复。请妥善保管回执码：这是返回此对话的唯一方式。',
};

export class IntakeService {
  /** Reports per second this node accepts from the public, whatever the channel (a burst, then the rate). */
  private readonly global: RateLimiter;
  private readonly perChannel = new Map<string, { limiter: RateLimiter; max: number }>();
  private readonly noticeAskedAt = new Map<string, number>();

  constructor(
    private readonly ctx: AppContext,
    readonly directory: ChannelDirectory,
    private readonly writer: ReportWriter,
    limits: { globalPerSecond: number; globalBurst: number },
  ) {
    this.global = new RateLimiter(limits.globalBurst, limits.globalPerSecond, ctx.now);
  }

  /** Registers a report. Throws IntakeRefused with a reason the front end can show. */
  async submit(req: IntakeRequest): Promise<IntakeReceipt> {
    const snap = await this.directory.snapshot();
    const q = snap.questionnaires.get(req.questionnaireId);
    if (!q || (q.status !== 'active' && !req.intakeStaffId))
      throw new IntakeRefused({ kind: 'unknown-questionnaire' });
    const channel = snap.channels.get(q.channelId);
    if (!channel) throw new IntakeRefused({ kind: 'unknown-questionnaire' });
    // No report may land where nobody can read it: staff intake too needs a recipient with a key.
    if (channel.recipientKeys.length === 0) throw new IntakeRefused({ kind: 'no-recipient' });
    if (channel.status !== 'open' && !req.intakeStaffId) throw new IntakeRefused({ kind: 'channel-closed' });

    const definition = await this.definitionFor(q, req.questionnaireVersion);
    const version = req.questionnaireVersion ?? q.version;
    const now = this.ctx.now();
    const checked = checkAll(definition, req.answers, now);
    const errors: Record<string, AnswerProblem | 'unknown-question'> = { ...checked.errors };
    const identity = checkIdentity(req.identity);
    if ('problems' in identity) Object.assign(errors, identity.problems);
    if (Object.keys(errors).length > 0 || 'problems' in identity)
      throw new IntakeRefused({ kind: 'invalid', errors });

    // A repeated submission answers with the first one's receipt, before any rate limit counts it.
    const submission = req.submissionKey
      ? clientSecretKeys(this.ctx.keys.reporter, req.submissionKey)
      : undefined;
    if (submission) {
      const earlier = await this.findSubmission(submission);
      if (earlier) return earlier;
    }
    if (!req.skipRateLimits && !this.takeRateToken(channel)) throw new IntakeRefused({ kind: 'busy' });

    const record = this.buildRecord({
      req,
      q,
      version,
      channel,
      answers: checked.answers,
      identity,
      now,
      submission,
    });
    const outcome = await this.writer.write(record.queries);
    if (!outcome.ok) {
      // Two submissions with the same key raced: the other one won; answer with its receipt.
      if (submission && isUniqueCode(outcome.code)) {
        const earlier = await this.findSubmission(submission);
        if (earlier) return earlier;
      }
      throw new Error(`report could not be stored (${outcome.code ?? 'unknown'})`);
    }
    return record.receipt;
  }

  /** The receipt of an earlier submission made with the same key, if it is remembered. */
  async findSubmission(submission: { id: string; key: Buffer }): Promise<IntakeReceipt | undefined> {
    const row = await this.ctx.db
      .selectFrom('report_submissions as s')
      .innerJoin('reports as r', 'r.id', 's.report_id')
      .select(['s.sealed_receipt', 'r.id', 'r.reference', 'r.registered_at'])
      .where('s.id', '=', submission.id)
      .executeTakeFirst();
    if (!row) return undefined;
    const saved = JSON.parse(
      open(submission.key, Buffer.from(row.sealed_receipt), `submission/${submission.id}`).toString('utf8'),
    ) as {
      code: string | null;
    };
    return {
      reportId: row.id,
      reference: row.reference,
      receiptCode: saved.code ?? undefined,
      registeredAt: row.registered_at,
      repeated: true,
    };
  }

  private async definitionFor(
    q: QuestionnaireInfo,
    version: number | undefined,
  ): Promise<QuestionnaireDefinition> {
    if (version === undefined || version === q.version) return q.definition;
    const def = await this.directory.definitionAt(q.id, version);
    if (!def) throw new IntakeRefused({ kind: 'unknown-questionnaire' });
    return def;
  }

  private takeRateToken(channel: ChannelInfo): boolean {
    let entry = this.perChannel.get(channel.id);
    if (!entry || entry.max !== channel.maxPerMinute) {
      // A minute's worth as the burst, refilled at the per-minute rate.
      entry = {
        limiter: new RateLimiter(channel.maxPerMinute, channel.maxPerMinute / 60, this.ctx.now),
        max: channel.maxPerMinute,
      };
      this.perChannel.set(channel.id, entry);
    }
    return this.global.take() && entry.limiter.take();
  }

  private buildRecord(o: {
    req: IntakeRequest;
    q: QuestionnaireInfo;
    version: number;
    channel: ChannelInfo;
    answers: Answers;
    identity: ReporterIdentity;
    now: number;
    submission: { id: string; key: Buffer } | undefined;
  }): { queries: CompiledQuery[]; receipt: IntakeReceipt } {
    const { req, q, channel, answers, identity, now, submission } = o;
    const db = this.ctx.db;
    const reportId = crypto.randomUUID();
    const reference = newReference();
    const contentKey = req.contentKey ?? newDataKey();
    const hasIdentity = identity.mode !== 'anonymous';
    const identityKey = hasIdentity ? newDataKey() : undefined;
    const withReceipt = req.withReceipt ?? true;
    const receiptCode = withReceipt ? newReceiptCode() : undefined;
    const receipt = receiptCode ? receiptSecrets(this.ctx.keys.receipt, receiptCode) : undefined;

    const plaintextKeys = identityKey ? [contentKey, identityKey] : [contentKey];
    const sealed = sealToRecipients(channel.recipientKeys, plaintextKeys, [
      `report/${reportId}/content-key`,
      `report/${reportId}/identity-key`,
    ]);
    const body = { answers, lang: req.lang, files: (req.files ?? []).map((f) => f.id) };
    const queries: CompiledQuery[] = [];
    queries.push(
      db
        .insertInto('reports')
        .values({
          id: reportId,
          reference,
          channel_id: channel.id,
          questionnaire_id: q.id,
          questionnaire_version: o.version,
          kind: q.kind as QuestionnaireKind,
          source: req.source,
          identity_mode: identity.mode,
          status: 'received',
          registered_at: now,
          received_at: req.receivedAt ?? now,
          intake_staff_id: req.intakeStaffId ?? null,
          ephemeral_public: sealed.ephemeralPublic,
          sealed_answers: seal(contentKey, Buffer.from(JSON.stringify(body)), `report/${reportId}/answers`),
          sealed_identity: identityKey
            ? seal(identityKey, Buffer.from(JSON.stringify(identity)), `report/${reportId}/identity`)
            : null,
          receipt_lookup: receipt?.lookup ?? null,
          receipt_wrapped_key: receipt
            ? seal(receipt.wrapKey, contentKey, `report/${reportId}/receipt`)
            : null,
          file_count: req.files?.length ?? 0,
          last_reporter_activity_at: now,
          updated_at: now,
          version: 1,
        })
        .compile(),
    );
    queries.push(
      db
        .insertInto('report_key_wraps')
        .values(
          sealed.wraps.map((w) => ({
            report_id: reportId,
            key_id: w.keyId,
            staff_id: w.staffId,
            wrapped_content_key: w.boxes[0] as Buffer,
            wrapped_identity_key: w.boxes[1] ?? null,
            created_at: now,
          })),
        )
        .compile(),
    );
    const ackId = crypto.randomUUID();
    queries.push(
      db
        .insertInto('report_messages')
        .values({
          id: ackId,
          report_id: reportId,
          author: 'system',
          staff_id: null,
          kind: 'acknowledgement',
          sealed_body: sealMessage(contentKey, reportId, ackId, { text: ACKNOWLEDGEMENT }),
          created_at: now,
          seen_by_reporter_at: null,
        })
        .compile(),
    );
    if (req.files && req.files.length > 0) {
      queries.push(
        db
          .insertInto('report_files')
          .values(
            req.files.map((f) => ({
              id: f.id,
              report_id: reportId,
              message_id: null,
              sealed_meta: seal(
                contentKey,
                Buffer.from(JSON.stringify(f.meta)),
                `report/${reportId}/file/${f.id}`,
              ),
              stored_bytes: f.storedBytes,
              created_at: now,
            })),
          )
          .compile(),
      );
    }
    const entities = extractEntities(this.ctx.keys.linking, answers, [identity.contact ?? '']);
    if (entities.length > 0) {
      queries.push(
        db
          .insertInto('report_entities')
          .values(entities.map((e) => ({ report_id: reportId, kind: e.kind, digest: e.digest })))
          .compile(),
      );
    }
    if (submission) {
      queries.push(
        db
          .insertInto('report_submissions')
          .values({
            id: submission.id,
            report_id: reportId,
            sealed_receipt: seal(
              submission.key,
              Buffer.from(JSON.stringify({ code: receiptCode ?? null })),
              `submission/${submission.id}`,
            ),
            created_at: now,
            expires_at: now + SUBMISSION_MEMORY_MS,
          })
          .compile(),
      );
    }
    // One queued notice per channel at a time: recipients hear "new reports", never their content.
    // This node asks at most every NOTICE_EVERY_MS per channel; the notice covers every report
    // registered since the last one, so none is missed.
    const payload = JSON.stringify({ channelId: channel.id });
    const lastAsked = this.noticeAskedAt.get(channel.id) ?? Number.NEGATIVE_INFINITY;
    if (now - lastAsked >= NOTICE_EVERY_MS || now < lastAsked) {
      this.noticeAskedAt.set(channel.id, now);
      queries.push(
        sql`insert into jobs (kind, payload, status, run_at, attempts, max_attempts, created_at, updated_at)
          select ${NOTIFY_JOB}, ${payload}, 'queued', ${now}, 0, 5, ${now}, ${now}
          where not exists (select 1 from jobs where kind = ${NOTIFY_JOB} and status = 'queued' and payload = ${payload})`.compile(
          db,
        ),
      );
    }
    return {
      queries,
      receipt: { reportId, reference, receiptCode, registeredAt: now, repeated: false },
    };
  }
}

export function sealMessage(contentKey: Buffer, reportId: string, messageId: string, body: unknown): Buffer {
  return seal(contentKey, Buffer.from(JSON.stringify(body)), `report/${reportId}/message/${messageId}`);
}

export function openMessage<T>(
  contentKey: Buffer,
  reportId: string,
  messageId: string,
  sealedBody: Buffer,
): T {
  return JSON.parse(
    open(contentKey, sealedBody, `report/${reportId}/message/${messageId}`).toString('utf8'),
  ) as T;
}

/**
 * Checks how the reporter chose to be identified. Confidential and named reports need a way to
 * reach the reporter; named ones also a name. Problems are keyed identity.<field>.
 */
export function checkIdentity(
  input: ReporterIdentity,
): ReporterIdentity | { problems: Record<string, AnswerProblem | 'not-an-option'> } {
  const mode = input.mode;
  if (mode !== 'anonymous' && mode !== 'confidential' && mode !== 'named')
    return { problems: { 'identity.mode': 'not-an-option' } };
  if (mode === 'anonymous') return { mode };
  const name = (input.name ?? '').replace(/\s+/g, ' ').trim();
  const contact = (input.contact ?? '').replace(/\r\n?/g, '\n').trim();
  const problems: Record<string, AnswerProblem> = {};
  if ([...name].length > NAME_MAX) problems['identity.name'] = 'too-long';
  else if (mode === 'named' && !name) problems['identity.name'] = 'required';
  if ([...contact].length > CONTACT_MAX) problems['identity.contact'] = 'too-long';
  else if (!contact) problems['identity.contact'] = 'required';
  return Object.keys(problems).length > 0 ? { problems } : { mode, name, contact };
}

function isUniqueCode(code: string | undefined): boolean {
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
