/**
 * Staff administration and one-time links: the first admin, invitations, password resets, roles
 * and disabling. Every change is audited in the same transaction that makes it.
 */
import type { Actor, AuditLog } from '../../platform/audit/audit-log.ts';
import { randomToken, sha256Hex } from '../../platform/crypto/index.ts';
import { isUniqueViolation } from '../../platform/db/index.ts';
import { ROLES, type Role } from '../../platform/db/schema.ts';
import type { SessionStore } from '../../platform/http/sessions.ts';
import { totpRequired } from './auth.service.ts';
import { normaliseEmail } from './email.ts';
import {
  checkPassword,
  normaliseUsername,
  type PasswordProblem,
  USERNAME_PATTERN,
} from './password-policy.ts';
import { Busy, type Passwords } from './passwords.ts';
import type { AccountsRepository, StaffRow } from './repository.ts';

export const LINK_VALID_MS = 24 * 3_600_000;

export interface LinkInfo {
  purpose: 'first-admin' | 'setup' | 'reset';
  username: string | null;
}

export type FieldProblem =
  | 'required'
  | 'tooLong'
  | 'usernameRules'
  | 'usernameTaken'
  | 'atLeastOneRole'
  | 'invalidChoice'
  | 'emailInvalid'
  | PasswordProblem;

export type Outcome<T = object> =
  | ({ ok: true } & T)
  | { ok: false; problems: Record<string, FieldProblem> }
  | { ok: false; refused: 'linkInvalid' | 'lastAdmin' | 'notSelf' | 'stale' | 'notFound' | 'busy' };

export interface StaffServiceDeps {
  repo: AccountsRepository;
  audit: AuditLog;
  passwords: Passwords;
  sessions: SessionStore;
  now: () => number;
}

export interface NewStaffInput {
  username: string;
  displayName: string;
  roles: string[];
  /** Optional: where notices of new reports go. */
  email?: string;
}

function validateProfile(input: { username: string; displayName: string }): Record<string, FieldProblem> {
  const problems: Record<string, FieldProblem> = {};
  if (!USERNAME_PATTERN.test(normaliseUsername(input.username))) problems.username = 'usernameRules';
  const name = input.displayName.trim();
  if (name === '') problems.displayName = 'required';
  else if (name.length > 100) problems.displayName = 'tooLong';
  return problems;
}

function validateRoles(raw: string[]): { roles: Role[]; problem?: FieldProblem } {
  const roles = [...new Set(raw)];
  if (roles.some((r) => !ROLES.includes(r as Role))) return { roles: [], problem: 'invalidChoice' };
  if (roles.length === 0) return { roles: [], problem: 'atLeastOneRole' };
  return { roles: roles as Role[] };
}

export class StaffService {
  constructor(private readonly d: StaffServiceDeps) {}

  private hashOf(token: string): string {
    return sha256Hex(`one-time:${token}`);
  }

  async needsFirstAdmin(): Promise<boolean> {
    return (await this.d.repo.countActiveAdmins(this.d.repo.db)) === 0;
  }

  /** Issues a fresh first-admin link (voiding older ones) while no active admin exists. */
  async issueFirstAdminLink(actor: Actor): Promise<string | undefined> {
    const { repo, audit, now } = this.d;
    if (!(await this.needsFirstAdmin())) return undefined;
    const token = randomToken(32);
    await repo.db.transaction().execute(async (trx) => {
      await repo.voidTokens(trx, 'first-admin', null, now());
      await repo.insertToken(trx, {
        id: this.hashOf(token),
        purpose: 'first-admin',
        staff_id: null,
        created_by: actor.id,
        created_at: now(),
        expires_at: now() + LINK_VALID_MS,
        used_at: null,
      });
      await audit.record({ actor, action: 'setup.first-admin-link-issued' }, trx);
    });
    return token;
  }

  async describeLink(token: string): Promise<LinkInfo | undefined> {
    const row = await this.d.repo.findToken(this.hashOf(token));
    if (!row || row.used_at !== null || row.expires_at <= this.d.now()) return undefined;
    if (row.purpose === 'first-admin')
      return (await this.needsFirstAdmin()) ? { purpose: 'first-admin', username: null } : undefined;
    const staff = row.staff_id ? await this.d.repo.findById(row.staff_id) : undefined;
    if (!staff || staff.status === 'disabled') return undefined;
    return { purpose: row.purpose, username: staff.username };
  }

  async completeFirstAdmin(
    token: string,
    input: { username: string; displayName: string; password: string },
  ): Promise<Outcome> {
    const { repo, audit, now } = this.d;
    const problems = validateProfile(input);
    const username = normaliseUsername(input.username);
    const pw = checkPassword(input.password, username);
    if (pw) problems.password = pw;
    if (Object.keys(problems).length > 0) return { ok: false, problems };
    if (await repo.findByUsername(username)) return { ok: false, problems: { username: 'usernameTaken' } };
    let fresh: Awaited<ReturnType<Passwords['create']>>;
    try {
      fresh = await this.d.passwords.create(input.password);
    } catch (err) {
      if (err instanceof Busy) return { ok: false, refused: 'busy' };
      throw err;
    }
    const id = crypto.randomUUID();
    const done = await repo.db
      .transaction()
      .execute(async (trx) => {
        if (!(await repo.consumeToken(trx, this.hashOf(token), now()))) return false;
        if ((await repo.countActiveAdmins(trx)) > 0) return false;
        await repo.insertStaff(
          trx,
          {
            id,
            username,
            display_name: input.displayName.trim(),
            email: null,
            status: 'active',
            password_salt: fresh.salt,
            password_verifier: fresh.verifier,
            kdf_params: fresh.paramsJson,
            totp_secret_sealed: null,
            totp_last_step: null,
            created_at: now(),
            updated_at: now(),
            last_signin_at: null,
            version: 1,
          },
          ['admin'],
        );
        const actor = { id, label: username };
        await audit.record(
          {
            actor,
            action: 'setup.first-admin-created',
            targetType: 'staff',
            targetId: id,
            details: { roles: ['admin'] },
          },
          trx,
        );
        return true;
      })
      .catch(takenOrThrow);
    if (done === 'taken') return { ok: false, problems: { username: 'usernameTaken' } };
    return done ? { ok: true } : { ok: false, refused: 'linkInvalid' };
  }

  async create(actor: Actor, input: NewStaffInput): Promise<Outcome<{ staffId: string; token: string }>> {
    const { repo, audit, now } = this.d;
    const problems = validateProfile(input);
    const { roles, problem } = validateRoles(input.roles);
    if (problem) problems.roles = problem;
    const email = normaliseEmail(input.email ?? '');
    if (email === undefined) problems.email = 'emailInvalid';
    if (Object.keys(problems).length > 0) return { ok: false, problems };
    const username = normaliseUsername(input.username);
    const id = crypto.randomUUID();
    const token = randomToken(32);
    const created = await repo.db
      .transaction()
      .execute(async (trx) => {
        if (await repo.findByUsername(username, trx)) return false;
        await repo.insertStaff(
          trx,
          {
            id,
            username,
            display_name: input.displayName.trim(),
            email: email ?? null,
            status: 'invited',
            password_salt: null,
            password_verifier: null,
            kdf_params: null,
            totp_secret_sealed: null,
            totp_last_step: null,
            created_at: now(),
            updated_at: now(),
            last_signin_at: null,
            version: 1,
          },
          roles,
        );
        await repo.insertToken(trx, {
          id: this.hashOf(token),
          purpose: 'setup',
          staff_id: id,
          created_by: actor.id,
          created_at: now(),
          expires_at: now() + LINK_VALID_MS,
          used_at: null,
        });
        await audit.record(
          {
            actor,
            action: 'staff.created',
            targetType: 'staff',
            targetId: id,
            details: { username, roles, email: email !== null },
          },
          trx,
        );
        return true;
      })
      .catch(takenOrThrow);
    if (created !== true) return { ok: false, problems: { username: 'usernameTaken' } };
    return { ok: true, staffId: id, token };
  }

  /** Completes an invitation or a reset: sets the password. A reset retires the old key and second factor. */
  async completeLink(token: string, password: string): Promise<Outcome> {
    const { repo, audit, sessions, now } = this.d;
    const info = await this.describeLink(token);
    const row = info?.username ? await repo.findByUsername(info.username) : undefined;
    if (!info || info.purpose === 'first-admin' || !row) return { ok: false, refused: 'linkInvalid' };
    const pw = checkPassword(password, row.username);
    if (pw) return { ok: false, problems: { password: pw } };
    let fresh: Awaited<ReturnType<Passwords['create']>>;
    try {
      fresh = await this.d.passwords.create(password);
    } catch (err) {
      if (err instanceof Busy) return { ok: false, refused: 'busy' };
      throw err;
    }
    const done = await repo.db.transaction().execute(async (trx) => {
      if (!(await repo.consumeToken(trx, this.hashOf(token), now()))) return false;
      const set = {
        password_salt: fresh.salt,
        password_verifier: fresh.verifier,
        kdf_params: fresh.paramsJson,
        status: row.status === 'invited' ? ('active' as const) : row.status,
      };
      const actor = { id: row.id, label: row.username };
      if (info.purpose === 'reset') {
        // The old private key was wrapped under the lost password: it is retired, not readable. Cases
        // sealed to it come back through the organisation's recovery key (supervisors' approval).
        const retired = await repo.retireKeys(trx, row.id, now());
        if (retired > 0)
          await audit.record(
            {
              actor,
              action: 'key.retired',
              targetType: 'staff',
              targetId: row.id,
              details: { reason: 'password-reset' },
            },
            trx,
          );
        await repo.updateStaff(
          trx,
          row.id,
          row.version,
          { ...set, totp_secret_sealed: null, totp_last_step: null },
          now(),
        );
        await audit.record(
          { actor, action: 'staff.password-reset', targetType: 'staff', targetId: row.id },
          trx,
        );
      } else {
        await repo.updateStaff(trx, row.id, row.version, set, now());
        await audit.record(
          { actor, action: 'staff.setup-completed', targetType: 'staff', targetId: row.id },
          trx,
        );
      }
      return true;
    });
    if (!done) return { ok: false, refused: 'linkInvalid' };
    await sessions.destroyAllFor(row.id);
    return { ok: true };
  }

  /** Issues a setup link (invited) or a password reset link (active), voiding older ones. */
  async issueLink(
    actor: Actor,
    staffId: string,
  ): Promise<Outcome<{ token: string; purpose: 'setup' | 'reset' }>> {
    const { repo, audit, now } = this.d;
    const row = await repo.findById(staffId);
    if (!row || row.status === 'disabled') return { ok: false, refused: 'notFound' };
    const purpose = row.status === 'invited' ? 'setup' : 'reset';
    const token = randomToken(32);
    await repo.db.transaction().execute(async (trx) => {
      await repo.voidTokens(trx, 'staff', row.id, now());
      await repo.insertToken(trx, {
        id: this.hashOf(token),
        purpose,
        staff_id: row.id,
        created_by: actor.id,
        created_at: now(),
        expires_at: now() + LINK_VALID_MS,
        used_at: null,
      });
      await audit.record(
        { actor, action: `staff.${purpose}-link-issued`, targetType: 'staff', targetId: row.id },
        trx,
      );
    });
    return { ok: true, token, purpose };
  }

  async setRoles(actor: Actor, staffId: string, rawRoles: string[], version: number): Promise<Outcome> {
    const { repo, audit, sessions, now } = this.d;
    const { roles, problem } = validateRoles(rawRoles);
    if (problem) return { ok: false, problems: { roles: problem } };
    const row = await repo.findById(staffId);
    if (!row) return { ok: false, refused: 'notFound' };
    const result = await repo.db.transaction().execute(async (trx): Promise<Outcome> => {
      if (row.roles.includes('admin') && !roles.includes('admin') && row.status === 'active') {
        if ((await repo.countActiveAdmins(trx, row.id)) === 0) return { ok: false, refused: 'lastAdmin' };
      }
      if (!(await repo.updateStaff(trx, row.id, version, {}, now()))) return { ok: false, refused: 'stale' };
      await repo.replaceRoles(trx, row.id, roles);
      await audit.record(
        {
          actor,
          action: 'staff.roles-changed',
          targetType: 'staff',
          targetId: row.id,
          details: { from: row.roles, to: roles },
        },
        trx,
      );
      return { ok: true };
    });
    // A person who now needs a second factor they have not set up signs in again to set it up.
    if (result.ok && totpRequired(roles) && !row.totp_secret_sealed) await sessions.destroyAllFor(row.id);
    return result;
  }

  /** Sets or clears the address notices of new reports go to. */
  async setEmail(actor: Actor, staffId: string, raw: string, version: number): Promise<Outcome> {
    const { repo, audit, now } = this.d;
    const email = normaliseEmail(raw);
    if (email === undefined) return { ok: false, problems: { email: 'emailInvalid' } };
    const row = await repo.findById(staffId);
    if (!row) return { ok: false, refused: 'notFound' };
    return repo.db.transaction().execute(async (trx): Promise<Outcome> => {
      if (!(await repo.updateStaff(trx, row.id, version, { email }, now())))
        return { ok: false, refused: 'stale' };
      // The address itself stays out of the log: whether one is set is what matters there.
      await audit.record(
        {
          actor,
          action: 'staff.email-changed',
          targetType: 'staff',
          targetId: row.id,
          details: { set: email !== null },
        },
        trx,
      );
      return { ok: true };
    });
  }

  async setStatus(
    actor: Actor,
    staffId: string,
    status: 'active' | 'disabled',
    version: number,
  ): Promise<Outcome> {
    const { repo, audit, sessions, now } = this.d;
    if (actor.id === staffId) return { ok: false, refused: 'notSelf' };
    const row: StaffRow | undefined = await repo.findById(staffId);
    if (!row || (row.status === 'invited' && status === 'active')) return { ok: false, refused: 'notFound' };
    const result = await repo.db.transaction().execute(async (trx): Promise<Outcome> => {
      if (
        status === 'disabled' &&
        row.roles.includes('admin') &&
        (await repo.countActiveAdmins(trx, row.id)) === 0
      ) {
        return { ok: false, refused: 'lastAdmin' };
      }
      if (!(await repo.updateStaff(trx, row.id, version, { status }, now())))
        return { ok: false, refused: 'stale' };
      await audit.record(
        {
          actor,
          action: status === 'disabled' ? 'staff.disabled' : 'staff.enabled',
          targetType: 'staff',
          targetId: row.id,
        },
        trx,
      );
      return { ok: true };
    });
    if (result.ok && status === 'disabled') await sessions.destroyAllFor(row.id);
    return result;
  }
}

/** Two submissions racing for one username: the database's unique constraint decides, and the loser is told the name is taken. */
function takenOrThrow(err: unknown): 'taken' {
  if (isUniqueViolation(err)) return 'taken';
  throw err;
}
