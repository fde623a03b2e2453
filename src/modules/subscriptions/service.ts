/**
 * Email subscriptions: double opt-in, notices of new posts in batches, one-click unsubscribe.
 *
 * Keys (sub-keys of the instance key, which is kept outside the database):
 *   subscribers               seals the address (AES-256-GCM, bound to the row id)
 *   subscribers/lookup        HMAC of the normalised address: finds an existing row (email_hash)
 *   subscribers/unsubscribe   HMAC of the row id: the unsubscribe token, recomputed for each mail
 * Only SHA-256 hashes of the confirmation and unsubscribe tokens are stored, so neither a stolen
 * database nor a backup yields an address or a working link.
 *
 * The subscribe request answers the same whatever the address's state (new, pending, confirmed):
 * every branch commits one transaction that enqueues one confirmation job; the job sends mail only
 * when its token is the row's current one, which it is only for a new or stale pending row.
 */
import crypto from 'node:crypto';
import type { AppContext } from '../../app-context.ts';
import {
  hmac,
  loadInstanceKey,
  open,
  randomToken,
  seal,
  sha256Hex,
  subKey,
} from '../../platform/crypto/index.ts';
import { isUniqueViolation } from '../../platform/db/index.ts';
import type { SubscribersTable } from '../../platform/db/schema.ts';
import { fill, type Lang } from '../../platform/views/i18n/index.ts';
import { postPath } from '../feeds/urls.ts';
import { MailError, type Mailer, type MailSession } from './mailer.ts';
import { subMessages } from './messages.ts';
import type { NoticePost, SubscriptionsRepository } from './repository.ts';

export const CONFIRM_JOB = 'subscriptions.confirm';
export const NOTIFY_JOB = 'subscriptions.notify';
export const PURGE_JOB = 'subscriptions.purge';

const DAY = 86_400_000;
/** A confirmation link works this long; unconfirmed rows are deleted after it. */
export const CONFIRM_TTL_MS = 7 * DAY;
/** A pending address gets at most one confirmation mail per this period, however often it is entered. */
export const RESEND_AFTER_MS = 10 * 60_000;
/** Notices per job run; a follow-up job continues after the last one sent. */
export const NOTIFY_BATCH = 50;
/** A batch that stopped part-way (the server went away) continues after this delay. */
const CONTINUE_AFTER_MS = 60_000;

export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^(?!-)[\p{L}\p{N}\p{M}-]{1,63}(?<!-)$/u;

/** A normalised address, or undefined when it is not one we can mail. */
export function parseEmail(input: string): { address: string; key: string } | undefined {
  const text = input.normalize('NFC').trim();
  if (text.length < 3 || text.length > 254) return undefined;
  const at = text.lastIndexOf('@');
  if (at < 1) return undefined;
  const local = text.slice(0, at);
  const domain = text.slice(at + 1).toLowerCase();
  if (local.length > 64 || !LOCAL_PART.test(local)) return undefined;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))) return undefined;
  if (/^\d+$/.test(labels.at(-1)!)) return undefined;
  const address = `${local}@${domain}`;
  return { address, key: address.toLowerCase() };
}

export interface ConfirmJobPayload {
  id: string;
  /** The confirmation token, sealed: the jobs table never holds a working link. */
  token: string;
}

export interface NotifyJobPayload {
  postId: string;
  after?: string;
}

export class SubscriptionService {
  private readonly sealKey: Buffer;
  private readonly lookupKey: Buffer;
  private readonly unsubscribeKey: Buffer;

  constructor(
    private readonly ctx: AppContext,
    readonly repo: SubscriptionsRepository,
    readonly mailer: Mailer | undefined,
  ) {
    const instanceKey = loadInstanceKey(ctx.config.secretKey, ctx.config.dataDir);
    this.sealKey = subKey(instanceKey, 'subscribers');
    this.lookupKey = subKey(instanceKey, 'subscribers/lookup');
    this.unsubscribeKey = subKey(instanceKey, 'subscribers/unsubscribe');
  }

  get enabled(): boolean {
    return this.mailer !== undefined;
  }

  emailHash(key: string): string {
    return hmac(this.lookupKey, key).toString('base64url');
  }

  unsubscribeToken(id: string): string {
    return hmac(this.unsubscribeKey, `unsubscribe:${id}`).toString('base64url');
  }

  unsubscribeUrl(id: string): string {
    return `${this.ctx.config.publicUrl}/unsubscribe/${this.unsubscribeToken(id)}`;
  }

  private sealAddress(id: string, address: string): Buffer {
    return seal(this.sealKey, Buffer.from(address, 'utf8'), `subscriber:${id}`);
  }

  openAddress(row: Pick<SubscribersTable, 'id' | 'email_sealed'>): string {
    return open(this.sealKey, row.email_sealed, `subscriber:${row.id}`).toString('utf8');
  }

  /** Records a subscription request (see the file comment). The caller has validated the address. */
  async subscribe(address: string, key: string, lang: Lang): Promise<void> {
    const now = this.ctx.now();
    const hash = this.emailHash(key);
    const token = randomToken(32);
    try {
      await this.ctx.db.transaction().execute(async (trx) => {
        const row = await this.repo.byEmailHash(hash, trx);
        let id: string;
        let mailToken = token;
        if (!row) {
          id = crypto.randomUUID();
          await this.repo.insert(
            {
              id,
              email_hash: hash,
              email_sealed: this.sealAddress(id, address),
              lang,
              status: 'pending',
              confirm_hash: sha256Hex(token),
              unsubscribe_hash: sha256Hex(this.unsubscribeToken(id)),
              created_at: now,
              confirmed_at: null,
            },
            trx,
          );
        } else if (row.status === 'pending' && row.created_at <= now - RESEND_AFTER_MS) {
          id = row.id;
          await this.repo.renewPending(id, sha256Hex(token), lang, now, trx);
        } else {
          // Confirmed, or a link was sent moments ago: a job whose token matches nothing, so the
          // request looks and costs the same and no mail goes out.
          id = row.id;
          mailToken = randomToken(32);
        }
        const payload: ConfirmJobPayload = {
          id,
          token: seal(this.sealKey, Buffer.from(mailToken), `confirm-job:${id}`).toString('base64url'),
        };
        await this.ctx.jobs.enqueue(CONFIRM_JOB, payload, { maxAttempts: 5 }, trx);
      });
    } catch (err) {
      // Two requests for the same new address at once: the other one created the row.
      if (!isUniqueViolation(err)) throw err;
    }
  }

  /** Whether a confirmation link is current (for the page that shows the confirm button). */
  async confirmLinkValid(token: string): Promise<boolean> {
    if (!TOKEN_PATTERN.test(token)) return false;
    const row = await this.repo.byConfirmHash(sha256Hex(token));
    return row?.status === 'pending' && row.created_at >= this.ctx.now() - CONFIRM_TTL_MS;
  }

  async confirm(token: string): Promise<boolean> {
    if (!TOKEN_PATTERN.test(token)) return false;
    const now = this.ctx.now();
    return this.repo.confirm(sha256Hex(token), now - CONFIRM_TTL_MS, now);
  }

  async unsubscribeLinkValid(token: string): Promise<boolean> {
    if (!TOKEN_PATTERN.test(token)) return false;
    return (await this.repo.byUnsubscribeHash(sha256Hex(token))) !== undefined;
  }

  /** Deletes the subscriber holding this link. Returns whether a row was deleted. */
  async unsubscribe(token: string): Promise<boolean> {
    if (!TOKEN_PATTERN.test(token)) return false;
    return (await this.repo.deleteByUnsubscribeHash(sha256Hex(token))) > 0;
  }

  /** The 'post.published' listener: a first publication of a post starts the notices. */
  async onPublished(e: { id: string; kind: 'post' | 'page'; firstTime: boolean }): Promise<void> {
    if (!e.firstTime || e.kind !== 'post' || !this.mailer) return;
    const payload: NotifyJobPayload = { postId: e.id };
    await this.ctx.jobs.enqueue(NOTIFY_JOB, payload, { maxAttempts: 5 });
  }

  private requireMailer(): Mailer {
    if (!this.mailer) throw new Error('email is not configured (VIGIL_SMTP_HOST)');
    return this.mailer;
  }

  async runConfirmJob(payload: ConfirmJobPayload): Promise<void> {
    if (typeof payload?.id !== 'string' || typeof payload.token !== 'string') return;
    const row = await this.repo.byId(payload.id);
    if (row?.status !== 'pending' || !row.confirm_hash) return;
    let token: string;
    try {
      token = open(this.sealKey, Buffer.from(payload.token, 'base64url'), `confirm-job:${row.id}`).toString();
    } catch {
      return;
    }
    if (sha256Hex(token) !== row.confirm_hash) return;
    if (row.created_at < this.ctx.now() - CONFIRM_TTL_MS) return;
    const m = subMessages(row.lang);
    const site = this.ctx.settings.site.orgName[row.lang];
    const link = `${this.ctx.config.publicUrl}/subscribe/confirm/${token}`;
    const session = this.requireMailer().open();
    try {
      await session.send({
        to: this.openAddress(row),
        subject: fill(m.confirmSubject, { site }),
        text: `${fill(m.confirmBody, { site, link })}\n`,
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    } catch (err) {
      // A refused address will not get better by retrying.
      if (err instanceof MailError && err.recipientRejected) return;
      throw err;
    } finally {
      session.close();
    }
  }

  /**
   * Sends one batch of notices for a post, in the post's language, then enqueues the next batch.
   * A failure before anything was sent fails the job (the job system retries it with back-off and
   * parks it after its last attempt); a failure part-way enqueues a follow-up from the first unsent
   * subscriber, so nobody gets the same notice twice.
   */
  async runNotifyJob(payload: NotifyJobPayload): Promise<{ sent: number; rejected: number; more: boolean }> {
    const done = { sent: 0, rejected: 0, more: false };
    if (typeof payload?.postId !== 'string') return done;
    const after = typeof payload.after === 'string' ? payload.after : '';
    const post = await this.repo.publishedPost(payload.postId);
    if (post?.kind !== 'post') return done;
    const batch = await this.repo.confirmedBatch(post.lang, after, NOTIFY_BATCH);
    if (batch.length === 0) return done;
    const mailer = this.requireMailer();
    let last = after;
    const session: MailSession = mailer.open(true);
    try {
      for (const row of batch) {
        try {
          await session.send(this.noticeMail(post, row));
          done.sent++;
        } catch (err) {
          if (err instanceof MailError && err.recipientRejected) {
            done.rejected++;
          } else if (last !== after) {
            await this.ctx.jobs.enqueue(
              NOTIFY_JOB,
              { postId: post.id, after: last } satisfies NotifyJobPayload,
              { maxAttempts: 5, runAt: this.ctx.now() + CONTINUE_AFTER_MS },
            );
            return { ...done, more: true };
          } else {
            throw err;
          }
        }
        last = row.id;
      }
    } finally {
      session.close();
    }
    if (batch.length === NOTIFY_BATCH) {
      await this.ctx.jobs.enqueue(NOTIFY_JOB, { postId: post.id, after: last } satisfies NotifyJobPayload, {
        maxAttempts: 5,
      });
      done.more = true;
    }
    return done;
  }

  private noticeMail(post: NoticePost, row: SubscribersTable) {
    const m = subMessages(post.lang);
    const site = this.ctx.settings.site.orgName[post.lang];
    const url = `${this.ctx.config.publicUrl}${postPath(this.ctx, post)}`;
    const unsubscribe = this.unsubscribeUrl(row.id);
    const host = new URL(this.ctx.config.publicUrl).hostname;
    const text = [
      fill(m.noticeIntro, { site }),
      '',
      post.title,
      '',
      ...(post.summary ? [post.summary, ''] : []),
      m.noticeRead,
      url,
      '',
      '-- ',
      fill(m.noticeFooter, { site, link: unsubscribe }),
      '',
    ].join('\n');
    return {
      to: this.openAddress(row),
      subject: post.title,
      text,
      headers: {
        // RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs to this URL.
        'List-Unsubscribe': `<${unsubscribe}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'List-Id': `<posts-${post.lang.toLowerCase()}.${host}>`,
        'Auto-Submitted': 'auto-generated',
        Precedence: 'bulk',
      },
    };
  }

  async purgePending(): Promise<number> {
    return this.repo.purgePending(this.ctx.now() - CONFIRM_TTL_MS);
  }
}
