/**
 * The one path every report takes into Vigil: the web form, the JSON API (and through it the
 * messaging-platform adapter), and staff recording a call, a letter or a walk-in. It checks the
 * answers against the questionnaire version shown, seals everything under fresh keys, wraps the
 * keys to the channel's recipients and to the receipt code, and commits it durably before the
 * receipt is returned. No address, user agent or anything else about the sender is seen here.
 */
import crypto from 'node:crypto';
import type { AppContext } from '../../app-context.ts';
import { clientSecretKeys, open, seal } from '../../platform/crypto/index.ts';
import type { ReportSource } from '../../platform/db/schema.ts';
import { RateLimiter } from '../../platform/http/throttle.ts';
import { Turnstile } from '../../platform/turnstile.ts';
import type { ChannelDirectory, ChannelInfo, QuestionnaireInfo } from './directory.ts';
import { type AnswerProblem, checkAll, type QuestionnaireDefinition } from './questionnaire.ts';
import { newReceiptCode, newReference } from './receipt.ts';
import {
  ACKNOWLEDGEMENT,
  NOTIFY_JOB,
  type ReporterIdentity,
  type ReportInput,
  type StoredAttachmentRef,
  SUBMISSION_MEMORY_MS,
} from './report-record.ts';
import type { ReportWriter } from './report-writer.ts';

export { ACKNOWLEDGEMENT, NOTIFY_JOB, type ReporterIdentity, type StoredAttachmentRef, SUBMISSION_MEMORY_MS };

/** How often this node asks for a notice of new reports per channel. */
export const NOTICE_EVERY_MS = 10_000;

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

export class IntakeService {
  /** Reports per second this node accepts from the public, whatever the channel (a burst, then the rate). */
  private readonly global: RateLimiter;
  private readonly perChannel = new Map<string, { limiter: RateLimiter; max: number }>();
  private readonly noticeAskedAt = new Map<string, number>();
  private readonly turns = new Turnstile();

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
    // One report is checked and handed to the writer per turn of the event loop (see Turnstile).
    await this.turns.wait();
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

    // A repeated submission key is caught by the unique key of its record when the report is
    // written (no lookup for every new report); only a refusal looks for an earlier receipt first.
    const earlierSubmission = () =>
      req.submissionKey
        ? this.findSubmission(clientSecretKeys(this.ctx.keys.reporter, req.submissionKey))
        : Promise.resolve(undefined);
    if (!req.skipRateLimits && !this.takeRateToken(channel)) {
      const earlier = await earlierSubmission();
      if (earlier) return earlier;
      throw new IntakeRefused({ kind: 'busy' });
    }

    const report: ReportInput = {
      reportId: crypto.randomUUID(),
      reference: newReference(),
      ackId: crypto.randomUUID(),
      receiptCode: (req.withReceipt ?? true) ? newReceiptCode() : null,
      now,
      receivedAt: req.receivedAt ?? now,
      channelId: channel.id,
      recipients: channel.recipientKeys,
      recovery: snap.recoveryKey,
      ackDays: channel.ackDays,
      feedbackDays: channel.feedbackDays,
      questionnaireId: q.id,
      questionnaireVersion: version,
      kind: q.kind,
      source: req.source,
      intakeStaffId: req.intakeStaffId ?? null,
      identity,
      answers: checked.answers,
      lang: req.lang,
      files: req.files ?? [],
      contentKey: req.contentKey ?? null,
      submissionKey: req.submissionKey ?? null,
      notice: this.noticeDue(channel.id, now),
    };
    const outcome = await this.writer.write(report);
    if (!outcome.ok) {
      // Two submissions with the same key raced: the other one won; answer with its receipt.
      if (req.submissionKey && isUniqueCode(outcome.code)) {
        const earlier = await earlierSubmission();
        if (earlier) return earlier;
      }
      throw new Error(`report could not be stored (${outcome.code ?? 'unknown'})`);
    }
    return {
      reportId: report.reportId,
      reference: report.reference,
      receiptCode: report.receiptCode ?? undefined,
      registeredAt: now,
      repeated: false,
    };
  }

  /**
   * Whether this report should queue a notice for its channel. This node asks at most every
   * NOTICE_EVERY_MS per channel; the notice covers every report registered since the last one, so
   * none is missed (notify.ts).
   */
  private noticeDue(channelId: string, now: number): boolean {
    const lastAsked = this.noticeAskedAt.get(channelId) ?? Number.NEGATIVE_INFINITY;
    if (now - lastAsked < NOTICE_EVERY_MS && now >= lastAsked) return false;
    this.noticeAskedAt.set(channelId, now);
    return true;
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
