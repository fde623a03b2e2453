/** SQL for staff accounts, their roles, keys and one-time links. No rules here: see the services. */
import type { Transaction } from 'kysely';
import type { Db } from '../../platform/db/index.ts';
import type { Database, Role, StaffKeysTable, StaffTable } from '../../platform/db/schema.ts';

type Exec = Db | Transaction<Database>;

export interface StaffRow extends StaffTable {
  roles: Role[];
}

export interface StaffListItem {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  status: StaffTable['status'];
  roles: Role[];
  totpEnrolled: boolean;
  lastSigninAt: number | null;
}

export class AccountsRepository {
  constructor(readonly db: Db) {}

  async findById(id: string, exec: Exec = this.db): Promise<StaffRow | undefined> {
    const row = await exec.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { ...row, roles: await this.rolesOf(row.id, exec) } : undefined;
  }

  async findByUsername(username: string, exec: Exec = this.db): Promise<StaffRow | undefined> {
    const row = await exec
      .selectFrom('staff')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    return row ? { ...row, roles: await this.rolesOf(row.id, exec) } : undefined;
  }

  async rolesOf(staffId: string, exec: Exec = this.db): Promise<Role[]> {
    const rows = await exec
      .selectFrom('staff_roles')
      .select('role')
      .where('staff_id', '=', staffId)
      .orderBy('role')
      .execute();
    return rows.map((r) => r.role);
  }

  async list(): Promise<StaffListItem[]> {
    const rows = await this.db.selectFrom('staff').selectAll().orderBy('username').execute();
    const roles = await this.db.selectFrom('staff_roles').selectAll().execute();
    return rows.map((r) => ({
      id: r.id,
      username: r.username,
      displayName: r.display_name,
      email: r.email,
      status: r.status,
      roles: roles.filter((x) => x.staff_id === r.id).map((x) => x.role),
      totpEnrolled: r.totp_secret_sealed !== null,
      lastSigninAt: r.last_signin_at,
    }));
  }

  async insertStaff(exec: Exec, row: StaffTable, roles: Role[]): Promise<void> {
    await exec.insertInto('staff').values(row).execute();
    await this.replaceRoles(exec, row.id, roles);
  }

  async replaceRoles(exec: Exec, staffId: string, roles: Role[]): Promise<void> {
    await exec.deleteFrom('staff_roles').where('staff_id', '=', staffId).execute();
    if (roles.length > 0) {
      await exec
        .insertInto('staff_roles')
        .values(roles.map((role) => ({ staff_id: staffId, role })))
        .execute();
    }
  }

  /**
   * Updates a staff row only if it still has the version the caller read (optimistic concurrency).
   * Returns false when someone else changed it meanwhile.
   */
  async updateStaff(
    exec: Exec,
    id: string,
    expectedVersion: number,
    set: Partial<StaffTable>,
    now: number,
  ): Promise<boolean> {
    const r = await exec
      .updateTable('staff')
      .set({ ...set, updated_at: now, version: expectedVersion + 1 })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async countActiveAdmins(exec: Exec, exceptId?: string): Promise<number> {
    let q = exec
      .selectFrom('staff')
      .innerJoin('staff_roles', 'staff_roles.staff_id', 'staff.id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('staff.status', '=', 'active')
      .where('staff_roles.role', '=', 'admin');
    if (exceptId) q = q.where('staff.id', '!=', exceptId);
    const r = await q.executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async activeKey(staffId: string, exec: Exec = this.db): Promise<StaffKeysTable | undefined> {
    return exec
      .selectFrom('staff_keys')
      .selectAll()
      .where('staff_id', '=', staffId)
      .where('status', '=', 'active')
      .executeTakeFirst();
  }

  async insertKey(exec: Exec, key: StaffKeysTable): Promise<void> {
    await exec.insertInto('staff_keys').values(key).execute();
  }

  async rewrapKey(exec: Exec, keyId: string, wrapped: Buffer): Promise<void> {
    await exec
      .updateTable('staff_keys')
      .set({ wrapped_private_key: wrapped })
      .where('id', '=', keyId)
      .execute();
  }

  async retireKeys(exec: Exec, staffId: string, now: number): Promise<number> {
    const r = await exec
      .updateTable('staff_keys')
      .set({ status: 'retired', retired_at: now })
      .where('staff_id', '=', staffId)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async insertToken(exec: Exec, row: Database['one_time_tokens']): Promise<void> {
    await exec.insertInto('one_time_tokens').values(row).execute();
  }

  async findToken(id: string, exec: Exec = this.db) {
    return exec.selectFrom('one_time_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Marks a token used, only if it was still unused: a link works exactly once, even under races. */
  async consumeToken(exec: Exec, id: string, now: number): Promise<boolean> {
    const r = await exec
      .updateTable('one_time_tokens')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Voids a person's (or the first-admin) unused links when a new one is issued. */
  async voidTokens(
    exec: Exec,
    purpose: 'first-admin' | 'staff',
    staffId: string | null,
    now: number,
  ): Promise<void> {
    let q = exec.updateTable('one_time_tokens').set({ used_at: now }).where('used_at', 'is', null);
    q =
      purpose === 'first-admin' ? q.where('purpose', '=', 'first-admin') : q.where('staff_id', '=', staffId);
    await q.execute();
  }

  async purgeOldTokens(before: number): Promise<number> {
    const r = await this.db.deleteFrom('one_time_tokens').where('expires_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
