/**
 * The reporter's way back: the receipt code opens the report's content key (wrapped under a key
 * derived from the code), which then lives only in a short-lived cookie, sealed under a key the
 * database never holds. With it the reporter reads the thread, answers staff questions and adds
 * files; everything they add is sealed under the same content key.
 *
 * Wrong codes are throttled without knowing who tries them: a global count of failures across all
 * nodes (the throttles table, keyed by a constant purpose, never an address) plus a node-wide
 * token bucket on attempts. The trade-off: someone trying many codes slows follow-up for everyone
 * for a while. That is accepted because per-person throttling would need an address or a tracking
 * cookie, and guessing is hopeless anyway: 100-bit codes at the 50 failures per 10 minutes this
 * allows would take longer than the universe has existed.
 */
import crypto from 'node:crypto';
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app-context.ts';
import { CryptoError, open, receiptSecrets, seal, subKey } from '../../platform/crypto/index.ts';
import type { Database, MessageAuthor, MessageKind, ReportStatus } from '../../platform/db/schema.ts';
import { RateLimiter, Throttle } from '../../platform/http/throttle.ts';
import type { StoredAttachmentRef } from './intake.service.ts';
import { openMessage, sealMessage } from './intake.service.ts';
import type { ReportsServices } from './module.ts';
import { type Answers, summarise } from './questionnaire.ts';
import { normaliseReceiptCode } from './receipt.ts';

export const FOLLOWUP_COOKIE = 'vigil_followup';
export const FOLLOWUP_PATH = '/report/follow-up';
/** Idle lifetime of the follow-up cookie; every page seen renews it, up to the absolute limit. */
export const FOLLOWUP_IDLE_MS = 30 * 60_000;
const FOLLOWUP_ABSOLUTE_MS = 8 * 3_600_000;
export const REPLY_MAX = 10_000;

/** Failures allowed across the whole site per window before checking pauses for everyone. */
const GLOBAL_FAILURES = {
  freeFailures: 50,
  windowMs: 10 * 60_000,
  baseBlockMs: 60_000,
  maxBlockMs: 15 * 60_000,
};

export interface FollowUpSession {
  reportId: string;
  contentKey: Buffer;
  /** When the session was opened (the absolute limit counts from it). */
  since: number;
}

export type SignInResult =
  | { ok: true; session: FollowUpSession }
  | { ok: false; reason: 'format' | 'unknown' }
  | { ok: false; reason: 'throttled' | 'busy'; retryAfterMs: number };

export interface MailboxFile {
  name: string;
  bytes: number;
  type: string;
  removed: string[];
}

export interface MailboxMessage {
  id: string;
  author: MessageAuthor;
  kind: MessageKind;
  /** The text in the reader's language when the message has several. */
  text: string;
  replyTo: string | undefined;
  createdAt: number;
  files: MailboxFile[];
  /** A staff question the reporter has answered. */
  answered: boolean;
  /** A consent request (kind consent-request): the identity request it answers (case_approvals.id). */
  consentId?: string;
}

export interface Mailbox {
  reference: string;
  registeredAt: number;
  status: ReportStatus;
  ackDays: number | undefined;
  feedbackDays: number | undefined;
  answers: { step: string; items: { id: string; label: string; value: string }[] }[] | undefined;
  files: MailboxFile[];
  messages: MailboxMessage[];
}

export type ReplyResult =
  | { ok: true; messageId: string }
  | { ok: false; problem: 'unknown-question' | 'gone' };

type Lang = 'en' | 'zh-CN';

const services = new WeakMap<AppContext, FollowUpService>();

/** The follow-up service of this app (staff pages use addStaffMessage). */
export function followUpOf(ctx: AppContext, s: ReportsServices): FollowUpService {
  let f = services.get(ctx);
  if (!f) {
    f = new FollowUpService(ctx, s);
    services.set(ctx, f);
  }
  return f;
}

export class FollowUpService {
  private readonly throttle: Throttle;
  private readonly throttleKey: string;
  /** Sign-in attempts this node checks per second, whoever sends them (a burst, then the rate). */
  private readonly attempts: RateLimiter;
  private readonly cookieKey: Buffer;

  constructor(
    private readonly ctx: AppContext,
    private readonly s: ReportsServices,
  ) {
    this.throttle = new Throttle(ctx.db, ctx.keys.throttle, GLOBAL_FAILURES, ctx.now);
    this.throttleKey = this.throttle.keyFor('report-follow-up', 'all wrong receipt codes');
    this.attempts = new RateLimiter(30, 10, ctx.now);
    this.cookieKey = subKey(ctx.keys.reporter, 'follow-up-cookie');
  }

  async signIn(typed: string): Promise<SignInResult> {
    const code = normaliseReceiptCode(typed);
    // A code of the wrong shape is a typing slip, not a guess: it is not counted.
    if (!code) return { ok: false, reason: 'format' };
    if (!this.attempts.take()) return { ok: false, reason: 'busy', retryAfterMs: 2_000 };
    const blocked = await this.throttle.blockedFor(this.throttleKey);
    if (blocked > 0) return { ok: false, reason: 'throttled', retryAfterMs: blocked };
    const secrets = receiptSecrets(this.ctx.keys.receipt, code);
    const row = await this.ctx.db
      .selectFrom('reports')
      .select(['id', 'receipt_wrapped_key'])
      .where('receipt_lookup', '=', secrets.lookup)
      .executeTakeFirst();
    let contentKey: Buffer | undefined;
    if (row?.receipt_wrapped_key) {
      try {
        contentKey = open(secrets.wrapKey, Buffer.from(row.receipt_wrapped_key), `report/${row.id}/receipt`);
      } catch {
        contentKey = undefined;
      }
    }
    if (!row || !contentKey) {
      await this.throttle.recordFailure(this.throttleKey);
      return { ok: false, reason: 'unknown' };
    }
    return { ok: true, session: { reportId: row.id, contentKey, since: this.ctx.now() } };
  }

  /** The cookie value: the session sealed under a key derived from the instance key. */
  sealSession(session: FollowUpSession): string {
    const body = JSON.stringify({
      r: session.reportId,
      k: session.contentKey.toString('base64url'),
      s: session.since,
      e: this.ctx.now() + FOLLOWUP_IDLE_MS,
    });
    return seal(this.cookieKey, Buffer.from(body), 'follow-up-cookie').toString('base64url');
  }

  /** The session in a cookie, or undefined when missing, forged, idle too long or too old. */
  openSession(value: string | undefined): FollowUpSession | undefined {
    if (!value || value.length > 400) return undefined;
    try {
      const body = JSON.parse(
        open(this.cookieKey, Buffer.from(value, 'base64url'), 'follow-up-cookie').toString('utf8'),
      ) as { r: string; k: string; s: number; e: number };
      const now = this.ctx.now();
      if (body.e < now || body.s + FOLLOWUP_ABSOLUTE_MS < now) return undefined;
      const contentKey = Buffer.from(body.k, 'base64url');
      if (contentKey.length !== 32) return undefined;
      return { reportId: body.r, contentKey, since: body.s };
    } catch (err) {
      if (err instanceof CryptoError || err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  /** Everything the reporter may see; marks staff messages as seen. Undefined when the report is gone. */
  async mailbox(session: FollowUpSession, lang: Lang): Promise<Mailbox | undefined> {
    const { reportId, contentKey } = session;
    const db = this.ctx.db;
    const report = await db
      .selectFrom('reports')
      .select([
        'reference',
        'registered_at',
        'status',
        'channel_id',
        'questionnaire_id',
        'questionnaire_version',
      ])
      .select('sealed_answers')
      .where('id', '=', reportId)
      .executeTakeFirst();
    if (!report) return undefined;
    const [messageRows, fileRows, snap, def] = await Promise.all([
      db
        .selectFrom('report_messages')
        .select(['id', 'author', 'kind', 'sealed_body', 'created_at', 'seen_by_reporter_at'])
        .where('report_id', '=', reportId)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
      db
        .selectFrom('report_files')
        .select(['id', 'message_id', 'sealed_meta'])
        .where('report_id', '=', reportId)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
      this.s.directory.snapshot(),
      this.s.directory.definitionAt(report.questionnaire_id, report.questionnaire_version),
    ]);
    const channel = snap.channels.get(report.channel_id);
    const body = JSON.parse(
      open(contentKey, Buffer.from(report.sealed_answers), `report/${reportId}/answers`).toString('utf8'),
    ) as { answers: Answers };
    const filesByMessage = new Map<string | null, MailboxFile[]>();
    for (const f of fileRows) {
      const meta = JSON.parse(
        open(contentKey, Buffer.from(f.sealed_meta), `report/${reportId}/file/${f.id}`).toString('utf8'),
      ) as StoredAttachmentRef['meta'];
      const list = filesByMessage.get(f.message_id) ?? [];
      list.push({ name: meta.name, bytes: meta.bytes, type: meta.type, removed: meta.removed });
      filesByMessage.set(f.message_id, list);
    }
    const messages: MailboxMessage[] = messageRows.map((m) => {
      const b = openMessage<{ text: unknown; replyTo?: string; consent?: unknown }>(
        contentKey,
        reportId,
        m.id,
        Buffer.from(m.sealed_body),
      );
      return {
        id: m.id,
        author: m.author,
        kind: m.kind,
        text: textIn(b.text, lang),
        replyTo: typeof b.replyTo === 'string' ? b.replyTo : undefined,
        createdAt: m.created_at,
        files: filesByMessage.get(m.id) ?? [],
        answered: false,
        ...(typeof b.consent === 'string' ? { consentId: b.consent } : {}),
      };
    });
    const answeredIds = new Set(messages.filter((m) => m.kind === 'answer').map((m) => m.replyTo));
    for (const m of messages) m.answered = m.kind === 'question' && answeredIds.has(m.id);
    const unseen = messageRows.filter((m) => m.author !== 'reporter' && m.seen_by_reporter_at === null);
    if (unseen.length > 0)
      await db
        .updateTable('report_messages')
        .set({ seen_by_reporter_at: this.ctx.now() })
        .where('report_id', '=', reportId)
        .where(
          'id',
          'in',
          unseen.map((m) => m.id),
        )
        .execute();
    return {
      reference: report.reference,
      registeredAt: report.registered_at,
      status: report.status,
      ackDays: channel?.ackDays,
      feedbackDays: channel?.feedbackDays,
      answers: def ? summarise(def, body.answers, lang) : undefined,
      files: filesByMessage.get(null) ?? [],
      messages,
    };
  }

  /** Stores the reporter's message (or answer to a question) with files already sealed under the content key. */
  async reply(
    session: FollowUpSession,
    o: { text: string; replyTo?: string; files: StoredAttachmentRef[] },
  ): Promise<ReplyResult> {
    const { reportId } = session;
    if (o.replyTo) {
      const q = await this.ctx.db
        .selectFrom('report_messages')
        .select('id')
        .where('id', '=', o.replyTo)
        .where('report_id', '=', reportId)
        .where('kind', '=', 'question')
        .executeTakeFirst();
      if (!q) return { ok: false, problem: 'unknown-question' };
    }
    const stored = await this.addMessage(session, {
      author: 'reporter',
      staffId: null,
      kind: o.replyTo ? 'answer' : 'message',
      body: o.replyTo ? { text: o.text, replyTo: o.replyTo } : { text: o.text },
      files: o.files,
    });
    return stored ? { ok: true, messageId: stored } : { ok: false, problem: 'gone' };
  }

  /** For staff (and tests): adds a message or a question to the reporter's mailbox. */
  async addStaffMessage(
    reportId: string,
    contentKey: Buffer,
    staffId: string,
    text: string,
    kind: 'message' | 'question',
  ): Promise<string> {
    const id = await this.addMessage(
      { reportId, contentKey, since: this.ctx.now() },
      { author: 'staff', staffId, kind, body: { text }, files: [] },
    );
    if (!id) throw new Error('report not found');
    return id;
  }

  /**
   * The same as addStaffMessage, inside the caller's transaction (the case page checks the case's
   * version, writes its timeline and audit entry and the message together). The text may be
   * bilingual ({ en, 'zh-CN' }): the reporter reads it in their language.
   */
  async addStaffMessageIn(
    trx: Transaction<Database>,
    reportId: string,
    contentKey: Buffer,
    staffId: string,
    text: string | { en: string; 'zh-CN': string },
    kind: 'message' | 'question' | 'acknowledgement',
  ): Promise<string> {
    const id = await this.writeMessage(
      trx,
      { reportId, contentKey, since: this.ctx.now() },
      { author: 'staff', staffId, kind, body: { text }, files: [] },
    );
    if (!id) throw new Error('report not found');
    return id;
  }

  private addMessage(session: FollowUpSession, o: NewMessage): Promise<string | undefined> {
    return this.ctx.db.transaction().execute((trx) => this.writeMessage(trx, session, o));
  }

  private async writeMessage(
    trx: Transaction<Database>,
    session: FollowUpSession,
    o: NewMessage,
  ): Promise<string | undefined> {
    const { reportId, contentKey } = session;
    const now = this.ctx.now();
    const id = crypto.randomUUID();
    const fromReporter = o.author === 'reporter';
    const updated = await trx
      .updateTable('reports')
      .set((eb) => ({
        updated_at: now,
        version: eb('version', '+', 1),
        file_count: eb('file_count', '+', o.files.length),
        ...(fromReporter ? { last_reporter_activity_at: now } : {}),
      }))
      .where('id', '=', reportId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return undefined;
    await trx
      .insertInto('report_messages')
      .values({
        id,
        report_id: reportId,
        author: o.author,
        staff_id: o.staffId,
        kind: o.kind,
        sealed_body: sealMessage(contentKey, reportId, id, o.body),
        created_at: now,
        seen_by_reporter_at: fromReporter ? now : null,
      })
      .execute();
    if (o.files.length > 0)
      await trx
        .insertInto('report_files')
        .values(
          o.files.map((f) => ({
            id: f.id,
            report_id: reportId,
            message_id: id,
            sealed_meta: seal(
              contentKey,
              Buffer.from(JSON.stringify(f.meta)),
              `report/${reportId}/file/${f.id}`,
            ),
            stored_bytes: f.storedBytes,
            created_at: now,
          })),
        )
        .execute();
    return id;
  }
}

interface NewMessage {
  author: MessageAuthor;
  staffId: string | null;
  kind: MessageKind;
  body: { text: string | { en: string; 'zh-CN': string }; replyTo?: string };
  files: StoredAttachmentRef[];
}

/** A message's text in the reader's language: bilingual bodies are { en, 'zh-CN' }. */
export function textIn(text: unknown, lang: Lang): string {
  if (typeof text === 'string') return text;
  if (text && typeof text === 'object') {
    const t = text as Record<string, unknown>;
    const v = t[lang] ?? t.en ?? t['zh-CN'];
    if (typeof v === 'string') return v;
  }
  return '';
}
