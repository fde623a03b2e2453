/**
 * Signing in and out, the second factor, and password changes: the rules around a staff member's
 * keys. The private key is unwrapped with the password-derived key at sign-in, generated there the
 * first time, and only ever stored wrapped (under the password key, or the session key).
 */
import type { AuditLog } from '../../platform/audit/audit-log.ts';
import { generateKeyPair, open, randomToken, seal } from '../../platform/crypto/index.ts';
import type { Role } from '../../platform/db/schema.ts';
import type { StaffIdentity } from '../../platform/http/request.ts';
import type {
  LoadedSession,
  SessionSecrets,
  SessionStage,
  SessionStore,
} from '../../platform/http/sessions.ts';
import type { Throttle } from '../../platform/http/throttle.ts';
import { checkPassword, normaliseUsername, type PasswordProblem } from './password-policy.ts';
import { Busy, type Passwords } from './passwords.ts';
import type { AccountsRepository, StaffRow } from './repository.ts';
import { newTotpSecret, verifyTotp } from './totp.ts';

/** Roles whose holders must use a second factor. */
export const TOTP_REQUIRED_ROLES: readonly Role[] = ['admin', 'handler', 'supervisor'];

export function totpRequired(roles: readonly Role[]): boolean {
  return roles.some((r) => TOTP_REQUIRED_ROLES.includes(r));
}

export const keyAad = (keyId: string) => `staff-key:${keyId}`;
export const totpAad = (staffId: string) => `totp:${staffId}`;

export type SignInResult =
  | { kind: 'ok'; staffId: string; stage: SessionStage; secrets: SessionSecrets }
  | { kind: 'bad' }
  | { kind: 'throttled'; retryInMs: number }
  | { kind: 'busy' };

export type SecondFactorResult = 'ok' | 'wrong' | 'throttled';

export interface AuthDeps {
  repo: AccountsRepository;
  audit: AuditLog;
  passwords: Passwords;
  sessions: SessionStore;
  signinThrottle: Throttle;
  now: () => number;
}

export class AuthService {
  constructor(private readonly d: AuthDeps) {}

  async signIn(usernameRaw: string, password: string): Promise<SignInResult> {
    const { repo, audit, signinThrottle } = this.d;
    const username = normaliseUsername(usernameRaw);
    const throttleKey = signinThrottle.keyFor('signin', username);
    const wait = await signinThrottle.blockedFor(throttleKey);
    if (wait > 0) return { kind: 'throttled', retryInMs: wait };

    const row = await repo.findByUsername(username);
    let secrets: Awaited<ReturnType<Passwords['check']>>;
    try {
      secrets = await this.d.passwords.check(row, password);
    } catch (err) {
      if (err instanceof Busy) return { kind: 'busy' };
      throw err;
    }
    if (!row || !secrets || row.status !== 'active') {
      await signinThrottle.recordFailure(throttleKey);
      await audit.record({
        actor: row ? { id: row.id, label: row.username } : { id: null, label: 'unknown account' },
        action: 'auth.sign-in-failed',
        targetType: row ? 'staff' : undefined,
        targetId: row?.id,
        details: { reason: !row ? 'unknown-account' : !secrets ? 'wrong-password' : `account-${row.status}` },
      });
      return { kind: 'bad' };
    }
    await signinThrottle.reset(throttleKey);

    const privateKey = await this.ensureKeyPair(row, secrets.wrappingKey);
    const base: SessionSecrets = { privateKey: privateKey.toString('base64') };
    if (row.totp_secret_sealed) {
      const totp = open(secrets.wrappingKey, row.totp_secret_sealed, totpAad(row.id));
      return {
        kind: 'ok',
        staffId: row.id,
        stage: 'totp',
        secrets: { ...base, totpSecret: totp.toString('base64') },
      };
    }
    if (totpRequired(row.roles)) {
      return {
        kind: 'ok',
        staffId: row.id,
        stage: 'totp-enrol',
        secrets: {
          ...base,
          wrappingKey: secrets.wrappingKey.toString('base64'),
          totpSecret: newTotpSecret().toString('base64'),
        },
      };
    }
    await this.recordSignIn(row, false);
    return { kind: 'ok', staffId: row.id, stage: 'full', secrets: base };
  }

  /** Returns the private key, creating and storing (wrapped) a key pair the first time. */
  private async ensureKeyPair(row: StaffRow, wrappingKey: Buffer): Promise<Buffer> {
    const { repo, audit, now } = this.d;
    const existing = await repo.activeKey(row.id);
    if (existing) return open(wrappingKey, existing.wrapped_private_key, keyAad(existing.id));
    const pair = generateKeyPair();
    const keyId = randomToken(16);
    await repo.db.transaction().execute(async (trx) => {
      await repo.insertKey(trx, {
        id: keyId,
        staff_id: row.id,
        public_key: pair.publicKey,
        wrapped_private_key: seal(wrappingKey, pair.privateKey, keyAad(keyId)),
        status: 'active',
        created_at: now(),
        retired_at: null,
      });
      await audit.record(
        {
          actor: { id: row.id, label: row.username },
          action: 'key.created',
          targetType: 'staff',
          targetId: row.id,
          details: { keyId },
        },
        trx,
      );
    });
    return pair.privateKey;
  }

  private async recordSignIn(row: StaffRow, secondFactor: boolean): Promise<void> {
    const { repo, audit, now } = this.d;
    await repo.db.updateTable('staff').set({ last_signin_at: now() }).where('id', '=', row.id).execute();
    await audit.record({
      actor: { id: row.id, label: row.username },
      action: 'auth.sign-in',
      targetType: 'staff',
      targetId: row.id,
      details: { secondFactor },
    });
  }

  async completeSecondFactor(session: LoadedSession, code: string): Promise<SecondFactorResult> {
    const { repo, audit, signinThrottle, sessions, now } = this.d;
    const throttleKey = signinThrottle.keyFor('totp', session.staffId);
    if ((await signinThrottle.blockedFor(throttleKey)) > 0) return 'throttled';
    const row = await repo.findById(session.staffId);
    const secretB64 = session.secrets.totpSecret;
    if (row?.status !== 'active' || !secretB64) return 'wrong';
    const secret = Buffer.from(secretB64, 'base64');
    const step = verifyTotp(secret, code, now(), row.totp_last_step);
    if (step === undefined) {
      await signinThrottle.recordFailure(throttleKey);
      await audit.record({
        actor: { id: row.id, label: row.username },
        action: 'auth.totp-failed',
        targetType: 'staff',
        targetId: row.id,
      });
      return 'wrong';
    }
    await signinThrottle.reset(throttleKey);
    // Only a step later than the last one used is accepted, also when two requests race.
    const update = repo.db
      .updateTable('staff')
      .set({ totp_last_step: step })
      .where('id', '=', row.id)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]));
    if (session.stage === 'totp-enrol') {
      const wrappingKey = Buffer.from(session.secrets.wrappingKey ?? '', 'base64');
      const sealed = seal(wrappingKey, secret, totpAad(row.id));
      await repo.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('staff')
          .set({ totp_secret_sealed: sealed, totp_last_step: step, updated_at: now() })
          .where('id', '=', row.id)
          .execute();
        await audit.record(
          {
            actor: { id: row.id, label: row.username },
            action: 'auth.totp-enrolled',
            targetType: 'staff',
            targetId: row.id,
          },
          trx,
        );
      });
    } else {
      const r = await update.executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return 'wrong';
    }
    await sessions.update(session, 'full', { privateKey: session.secrets.privateKey });
    await this.recordSignIn(row, true);
    return 'ok';
  }

  async changePassword(
    staff: StaffIdentity,
    session: LoadedSession,
    current: string,
    next: string,
  ): Promise<'ok' | 'wrong' | 'busy' | PasswordProblem> {
    const { repo, audit, sessions, now } = this.d;
    const problem = checkPassword(next, staff.username);
    if (problem) return problem;
    const row = await repo.findById(staff.id);
    if (!row) return 'wrong';
    try {
      const old = await this.d.passwords.check(row, current);
      if (!old) {
        await audit.record({
          actor: { id: row.id, label: row.username },
          action: 'auth.password-change-failed',
          targetType: 'staff',
          targetId: row.id,
        });
        return 'wrong';
      }
      const fresh = await this.d.passwords.create(next);
      const key = await repo.activeKey(row.id);
      const totp = row.totp_secret_sealed
        ? open(old.wrappingKey, row.totp_secret_sealed, totpAad(row.id))
        : null;
      const changed = await repo.db.transaction().execute(async (trx) => {
        const ok = await repo.updateStaff(
          trx,
          row.id,
          row.version,
          {
            password_salt: fresh.salt,
            password_verifier: fresh.verifier,
            kdf_params: fresh.paramsJson,
            totp_secret_sealed: totp ? seal(fresh.wrappingKey, totp, totpAad(row.id)) : null,
          },
          now(),
        );
        if (!ok) return false;
        const actor = { id: row.id, label: row.username };
        await audit.record(
          { actor, action: 'auth.password-changed', targetType: 'staff', targetId: row.id },
          trx,
        );
        if (key) {
          const privateKey = open(old.wrappingKey, key.wrapped_private_key, keyAad(key.id));
          await repo.rewrapKey(trx, key.id, seal(fresh.wrappingKey, privateKey, keyAad(key.id)));
          await audit.record(
            {
              actor,
              action: 'key.rewrapped',
              targetType: 'staff',
              targetId: row.id,
              details: { keyId: key.id },
            },
            trx,
          );
        }
        return true;
      });
      if (!changed) return 'wrong';
    } catch (err) {
      if (err instanceof Busy) return 'busy';
      throw err;
    }
    await sessions.destroyAllFor(staff.id, session.id);
    return 'ok';
  }

  async signOut(session: LoadedSession, staff: StaffIdentity | undefined): Promise<void> {
    await this.d.sessions.destroy(session.id);
    if (staff) {
      await this.d.audit.record({
        actor: { id: staff.id, label: staff.username },
        action: 'auth.sign-out',
        targetType: 'staff',
        targetId: staff.id,
      });
    }
  }

  async signOutEverywhere(staff: StaffIdentity): Promise<number> {
    const n = await this.d.sessions.destroyAllFor(staff.id);
    await this.d.audit.record({
      actor: { id: staff.id, label: staff.username },
      action: 'auth.sign-out-everywhere',
      targetType: 'staff',
      targetId: staff.id,
      details: { sessionsEnded: n },
    });
    return n;
  }

  /** The signed-in person behind a session, or undefined if the account is gone or disabled. */
  async identity(session: LoadedSession): Promise<StaffIdentity | undefined> {
    const row = await this.d.repo.findById(session.staffId);
    if (row?.status !== 'active') return undefined;
    return {
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      roles: row.roles,
      totpEnrolled: row.totp_secret_sealed !== null,
    };
  }
}
