/**
 * Server-side staff sessions. The cookie holds a random token and a random session key; the row
 * holds only the token's hash and the session's secrets (the staff member's private key, and before
 * the second factor the password-derived wrapping key) sealed under that session key. Any node can
 * serve any session, a stolen database (sessions included) reveals no key, and signing out deletes
 * the row, after which the cookie's key opens nothing.
 */
import { open, randomBytes, seal, sha256Hex } from '../crypto/index.ts';
import type { Db } from '../db/index.ts';
import type { SessionsTable } from '../db/schema.ts';
import { serializeCookie } from './cookies.ts';

export const SESSION_COOKIE = 'vigil_session';

/** The session cookie: HttpOnly, SameSite=Strict, only sent to /admin, Secure behind TLS. Max-Age 0 clears it. */
export function sessionCookieHeader(secure: boolean, value: string, maxAgeSeconds: number): string {
  return serializeCookie(SESSION_COOKIE, value, {
    secure,
    sameSite: 'Strict',
    path: '/admin',
    maxAgeSeconds,
  });
}

export type SessionStage = SessionsTable['stage'];

export interface SessionSecrets {
  /** Base64 of the X25519 private key. */
  privateKey?: string;
  /** Base64 of the password-derived wrapping key: held only until the second factor is done. */
  wrappingKey?: string;
  /** Base64 of a TOTP secret being enrolled or checked. */
  totpSecret?: string;
}

export interface LoadedSession {
  id: string;
  staffId: string;
  stage: SessionStage;
  createdAt: number;
  expiresAt: number;
  secrets: SessionSecrets;
  /** The raw session key, to re-seal secrets when the stage changes. Lives only in memory. */
  key: Buffer;
}

export interface SessionTimeouts {
  idleMs: number;
  absoluteMs: number;
}

/** How often last_seen_at is written: not on every request, to keep reads cheap. */
const TOUCH_EVERY_MS = 60_000;

export class SessionStore {
  constructor(
    private readonly db: Db,
    private readonly timeouts: SessionTimeouts,
    private readonly now: () => number = Date.now,
  ) {}

  async create(
    staffId: string,
    stage: SessionStage,
    secrets: SessionSecrets,
  ): Promise<{ cookieValue: string; session: LoadedSession }> {
    const token = randomBytes(32);
    const key = randomBytes(32);
    const id = sha256Hex(token);
    const now = this.now();
    const expiresAt = now + this.timeouts.absoluteMs;
    await this.db
      .insertInto('sessions')
      .values({
        id,
        staff_id: staffId,
        stage,
        created_at: now,
        last_seen_at: now,
        expires_at: expiresAt,
        sealed_secrets: seal(key, Buffer.from(JSON.stringify(secrets)), id),
      })
      .execute();
    return {
      cookieValue: `${token.toString('base64url')}.${key.toString('base64url')}`,
      session: { id, staffId, stage, createdAt: now, expiresAt, secrets, key },
    };
  }

  /** Returns the live session for a cookie value, or undefined if it is unknown, expired or idle too long. */
  async load(cookieValue: string | undefined): Promise<LoadedSession | undefined> {
    if (!cookieValue) return undefined;
    const dot = cookieValue.indexOf('.');
    if (dot < 0) return undefined;
    const token = Buffer.from(cookieValue.slice(0, dot), 'base64url');
    const key = Buffer.from(cookieValue.slice(dot + 1), 'base64url');
    if (token.length !== 32 || key.length !== 32) return undefined;
    const id = sha256Hex(token);
    const row = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const now = this.now();
    if (row.expires_at <= now || row.last_seen_at + this.timeouts.idleMs <= now) {
      await this.db.deleteFrom('sessions').where('id', '=', id).execute();
      return undefined;
    }
    let secrets: SessionSecrets;
    try {
      secrets = JSON.parse(open(key, row.sealed_secrets, id).toString('utf8')) as SessionSecrets;
    } catch {
      return undefined;
    }
    if (now - row.last_seen_at >= TOUCH_EVERY_MS) {
      await this.db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
    }
    return {
      id,
      staffId: row.staff_id,
      stage: row.stage,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      secrets,
      key,
    };
  }

  async update(session: LoadedSession, stage: SessionStage, secrets: SessionSecrets): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({
        stage,
        sealed_secrets: seal(session.key, Buffer.from(JSON.stringify(secrets)), session.id),
        last_seen_at: this.now(),
      })
      .where('id', '=', session.id)
      .execute();
    session.stage = stage;
    session.secrets = secrets;
  }

  async destroy(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  /** Ends every session of a staff member, optionally keeping one. Returns how many ended. */
  async destroyAllFor(staffId: string, exceptId?: string): Promise<number> {
    let q = this.db.deleteFrom('sessions').where('staff_id', '=', staffId);
    if (exceptId) q = q.where('id', '!=', exceptId);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async countFor(staffId: string): Promise<number> {
    const now = this.now();
    const r = await this.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('staff_id', '=', staffId)
      .where('expires_at', '>', now)
      .where('last_seen_at', '>', now - this.timeouts.idleMs)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Deletes expired and idle sessions: the scheduled clean-up job. */
  async purgeExpired(): Promise<number> {
    const now = this.now();
    const r = await this.db
      .deleteFrom('sessions')
      .where((eb) =>
        eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', now - this.timeouts.idleMs)]),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
