/**
 * The organisation recovery key: how a staff member who lost their password gets their cases back
 * without anyone being able to read every case alone.
 *
 * Set-up (an admin): a fresh X25519 key pair; its private half is split with Shamir (M of N) and
 * each share sealed to one supervisor's active public key; the private half is then dropped. Only
 * the public half stays, and every report's keys are sealed to it as well (intake, or lazily).
 *
 * Recovery: someone asks for it for a staff member whose old key was retired by a password reset
 * and who has signed in again (so holds a new active key). The request has its own key pair; its
 * private half is sealed under a key derived from the instance key (kept outside the database).
 * Each approving share holder opens their share with their session key and re-seals it to the
 * request's public key. With M approvals the server rebuilds the recovery private key in memory,
 * re-wraps the target's cases to their new key, deletes the approvals' shares and forgets the key.
 *
 * What this protects against: one supervisor (or M - 1 of them) learns nothing from their shares;
 * the database alone holds no share in the clear; the target can never approve their own request.
 */
import type { AppContext } from '../../app-context.ts';
import type { Actor } from '../../platform/audit/audit-log.ts';
import { generateKeyPair, openWithPrivateKey, seal, sealToPublicKey } from '../../platform/crypto/index.ts';
import { MAX_SHARES, splitSecret } from '../../platform/crypto/shamir.ts';
import { reportsOf } from '../reports/module.ts';
import { newId } from './access.ts';
import { completeIfReady } from './recovery.complete.ts';

export { ensureRecoveryWrap, protectCasesOf } from './recovery.wraps.ts';

export const shareAad = (keyId: string, index: number) => `recovery/${keyId}/share/${index}`;
export const requestPrivateAad = (requestId: string) => `recovery/request/${requestId}/private`;
export const approvalAad = (requestId: string, staffId: string) =>
  `recovery/request/${requestId}/approval/${staffId}`;
export const REASON_MAX = 1000;

export type RecoveryProblem =
  | 'threshold'
  | 'holders'
  | 'holder-not-eligible'
  | 'no-key'
  | 'target-unknown'
  | 'target-no-new-key'
  | 'target-nothing-lost'
  | 'target-pending'
  | 'too-few-holders'
  | 'reason'
  | 'not-pending'
  | 'not-holder'
  | 'is-target'
  | 'already-approved'
  | 'share-unreadable';

export type Result<T = object> = ({ ok: true } & T) | { ok: false; problem: RecoveryProblem };

export interface Candidate {
  id: string;
  displayName: string;
  username: string;
  /** Why they cannot hold a share, or undefined when they can. */
  blocked: 'no-key' | undefined;
}

/** Active supervisors, with whether each can hold a share (they need an active key pair). */
export async function shareCandidates(ctx: AppContext): Promise<Candidate[]> {
  const rows = await ctx.db
    .selectFrom('staff as s')
    .innerJoin('staff_roles as r', 'r.staff_id', 's.id')
    .leftJoin('staff_keys as k', (j) => j.onRef('k.staff_id', '=', 's.id').on('k.status', '=', 'active'))
    .select(['s.id', 's.display_name', 's.username', 's.status', 'k.id as key_id'])
    .where('r.role', '=', 'supervisor')
    // Invited supervisors are listed too, so the admin sees why they cannot be chosen yet.
    .where('s.status', 'in', ['active', 'invited'])
    .orderBy('s.display_name')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    displayName: r.display_name,
    username: r.username,
    blocked: r.key_id && r.status === 'active' ? undefined : 'no-key',
  }));
}

export interface RecoveryKeyInfo {
  id: string;
  threshold: number;
  shareCount: number;
  createdAt: number;
  holders: { id: string; displayName: string; current: boolean }[];
}

export async function activeKeyInfo(ctx: AppContext): Promise<RecoveryKeyInfo | undefined> {
  const key = await ctx.db
    .selectFrom('recovery_keys')
    .selectAll()
    .where('status', '=', 'active')
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  if (!key) return undefined;
  const holders = await ctx.db
    .selectFrom('recovery_shares as h')
    .innerJoin('staff as s', 's.id', 'h.staff_id')
    .leftJoin('staff_keys as k', 'k.id', 'h.staff_key_id')
    .select(['s.id', 's.display_name', 'k.status'])
    .where('h.key_id', '=', key.id)
    .orderBy('h.share_index')
    .execute();
  return {
    id: key.id,
    threshold: key.threshold,
    shareCount: key.share_count,
    createdAt: key.created_at,
    // A holder whose key pair was replaced (password reset) can no longer open their share.
    holders: holders.map((h) => ({ id: h.id, displayName: h.display_name, current: h.status === 'active' })),
  };
}

/** Creates the recovery key, seals one share to each holder, and makes it the active one. */
export async function setUpRecovery(
  ctx: AppContext,
  actor: Actor,
  o: { threshold: number; holderIds: string[] },
): Promise<Result<{ keyId: string }>> {
  const holderIds = [...new Set(o.holderIds)];
  if (holderIds.length < 2 || holderIds.length > MAX_SHARES || holderIds.length !== o.holderIds.length)
    return { ok: false, problem: 'holders' };
  if (!Number.isInteger(o.threshold) || o.threshold < 2 || o.threshold > holderIds.length)
    return { ok: false, problem: 'threshold' };
  const eligible = new Map((await shareCandidates(ctx)).filter((c) => !c.blocked).map((c) => [c.id, c]));
  if (holderIds.some((id) => !eligible.has(id))) return { ok: false, problem: 'holder-not-eligible' };
  const keys = await ctx.db
    .selectFrom('staff_keys')
    .select(['id', 'staff_id', 'public_key'])
    .where('status', '=', 'active')
    .where('staff_id', 'in', holderIds)
    .execute();
  const keyOf = new Map(keys.map((k) => [k.staff_id, k]));
  const pair = generateKeyPair();
  const shares = splitSecret(pair.privateKey, holderIds.length, o.threshold);
  pair.privateKey.fill(0);
  const keyId = newId();
  const now = ctx.now();
  const rows = holderIds.map((staffId, i) => {
    const k = keyOf.get(staffId)!;
    const share = shares[i]!;
    const index = share[0]!;
    const sealed = sealToPublicKey(Buffer.from(k.public_key), share, shareAad(keyId, index));
    share.fill(0);
    return { key_id: keyId, staff_id: staffId, share_index: index, staff_key_id: k.id, sealed_share: sealed };
  });
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('recovery_keys')
      .values({
        id: keyId,
        public_key: pair.publicKey,
        threshold: o.threshold,
        share_count: holderIds.length,
        status: 'active',
        created_by: actor.id,
        created_at: now,
      })
      .execute();
    await trx.insertInto('recovery_shares').values(rows).execute();
    // The previous key is retired only once the new one is stored: there is never a moment without one.
    // Its shares and wraps stay, so cases not yet wrapped for the new key are not lost meanwhile.
    await trx
      .updateTable('recovery_keys')
      .set({ status: 'retired' })
      .where('status', '=', 'active')
      .where('id', '!=', keyId)
      .execute();
    await trx
      .updateTable('recovery_requests')
      .set({ status: 'cancelled' })
      .where('status', '=', 'pending')
      .execute();
    await ctx.audit.record(
      {
        actor,
        action: 'recovery.set-up',
        targetType: 'recovery-key',
        targetId: keyId,
        details: { threshold: o.threshold, shares: holderIds.length, holders: holderIds },
      },
      trx,
    );
  });
  // New reports are sealed to the new key from now on.
  reportsOf(ctx).directory.invalidate();
  return { ok: true, keyId };
}

/** Staff who lost a key (retired by a reset) and hold a newer active one: who recovery can help. */
export async function recoveryTargets(ctx: AppContext): Promise<{ id: string; displayName: string }[]> {
  const rows = await ctx.db
    .selectFrom('staff as s')
    .innerJoin('staff_keys as a', (j) => j.onRef('a.staff_id', '=', 's.id').on('a.status', '=', 'active'))
    .innerJoin('staff_keys as old', (j) =>
      j.onRef('old.staff_id', '=', 's.id').on('old.status', '=', 'retired'),
    )
    .select(['s.id', 's.display_name'])
    .where('s.status', '=', 'active')
    .whereRef('old.created_at', '<=', 'a.created_at')
    .groupBy(['s.id', 's.display_name'])
    .orderBy('s.display_name')
    .execute();
  return rows.map((r) => ({ id: r.id, displayName: r.display_name }));
}

export async function requestRecovery(
  ctx: AppContext,
  actor: Actor,
  o: { targetId: string; reason: string },
): Promise<Result<{ requestId: string }>> {
  const reason = o.reason.trim();
  if (reason.length < 1 || reason.length > REASON_MAX) return { ok: false, problem: 'reason' };
  const key = await activeKeyInfo(ctx);
  if (!key) return { ok: false, problem: 'no-key' };
  const target = await ctx.db
    .selectFrom('staff')
    .select(['id', 'status'])
    .where('id', '=', o.targetId)
    .executeTakeFirst();
  if (target?.status !== 'active') return { ok: false, problem: 'target-unknown' };
  if (!(await recoveryTargets(ctx)).some((t) => t.id === target.id)) {
    const active = await ctx.db
      .selectFrom('staff_keys')
      .select('id')
      .where('staff_id', '=', target.id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return { ok: false, problem: active ? 'target-nothing-lost' : 'target-no-new-key' };
  }
  // The target can never approve: enough other holders with a readable share must remain.
  const able = key.holders.filter((h) => h.current && h.id !== target.id).length;
  if (able < key.threshold) return { ok: false, problem: 'too-few-holders' };
  const pending = await ctx.db
    .selectFrom('recovery_requests')
    .select('id')
    .where('target_staff_id', '=', target.id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (pending) return { ok: false, problem: 'target-pending' };
  const requestId = newId();
  const pair = generateKeyPair();
  const now = ctx.now();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('recovery_requests')
      .values({
        id: requestId,
        key_id: key.id,
        target_staff_id: target.id,
        requested_by: actor.id,
        reason,
        status: 'pending',
        request_public: pair.publicKey,
        sealed_request_private: seal(ctx.keys.recovery, pair.privateKey, requestPrivateAad(requestId)),
        created_at: now,
        completed_at: null,
      })
      .execute();
    const notify = key.holders.filter((h) => h.current && h.id !== target.id);
    if (notify.length > 0)
      await trx
        .insertInto('staff_notices')
        .values(
          notify.map((h) => ({
            staff_id: h.id,
            report_id: null,
            kind: 'recovery-approval',
            details: JSON.stringify({ requestId }),
            created_at: now,
            read_at: null,
          })),
        )
        .execute();
    await ctx.audit.record(
      {
        actor,
        action: 'recovery.requested',
        targetType: 'staff',
        targetId: target.id,
        details: { requestId, keyId: key.id },
      },
      trx,
    );
  });
  pair.privateKey.fill(0);
  return { ok: true, requestId };
}

/**
 * A share holder approves: their share, opened with their session key, is sealed to the request.
 * Completes the recovery when this is the M-th approval.
 */
export async function approveRecovery(
  ctx: AppContext,
  actor: Actor & { id: string },
  privateKey: Buffer | undefined,
  requestId: string,
): Promise<Result<{ completed: boolean }>> {
  const request = await ctx.db
    .selectFrom('recovery_requests')
    .selectAll()
    .where('id', '=', requestId)
    .executeTakeFirst();
  if (request?.status !== 'pending') return { ok: false, problem: 'not-pending' };
  if (request.target_staff_id === actor.id) return { ok: false, problem: 'is-target' };
  const held = await ctx.db
    .selectFrom('recovery_shares')
    .selectAll()
    .where('key_id', '=', request.key_id)
    .where('staff_id', '=', actor.id)
    .executeTakeFirst();
  if (!held) return { ok: false, problem: 'not-holder' };
  let share: Buffer;
  try {
    if (!privateKey) throw new Error('no key in session');
    share = openWithPrivateKey(
      privateKey,
      Buffer.from(held.sealed_share),
      shareAad(held.key_id, held.share_index),
    );
  } catch {
    return { ok: false, problem: 'share-unreadable' };
  }
  const sealed = sealToPublicKey(
    Buffer.from(request.request_public),
    share,
    approvalAad(requestId, actor.id),
  );
  share.fill(0);
  const inserted = await ctx.db.transaction().execute(async (trx) => {
    const exists = await trx
      .selectFrom('recovery_approvals')
      .select('staff_id')
      .where('request_id', '=', requestId)
      .where('staff_id', '=', actor.id)
      .executeTakeFirst();
    if (exists) return false;
    await trx
      .insertInto('recovery_approvals')
      .values({ request_id: requestId, staff_id: actor.id, sealed_share: sealed, approved_at: ctx.now() })
      .execute();
    await ctx.audit.record(
      {
        actor,
        action: 'recovery.approved',
        targetType: 'staff',
        targetId: request.target_staff_id,
        details: { requestId },
      },
      trx,
    );
    return true;
  });
  if (!inserted) return { ok: false, problem: 'already-approved' };
  const completed = await completeIfReady(ctx, requestId);
  return { ok: true, completed };
}

/** Pending requests, with who approved, for the recovery page. */
export async function pendingRequests(ctx: AppContext) {
  const rows = await ctx.db
    .selectFrom('recovery_requests as q')
    .innerJoin('staff as t', 't.id', 'q.target_staff_id')
    .leftJoin('staff as r', 'r.id', 'q.requested_by')
    .select([
      'q.id',
      'q.key_id',
      'q.reason',
      'q.created_at',
      't.id as target_id',
      't.display_name as target_name',
      'r.display_name as requester_name',
    ])
    .where('q.status', '=', 'pending')
    .orderBy('q.created_at')
    .execute();
  const approvals = rows.length
    ? await ctx.db
        .selectFrom('recovery_approvals')
        .select(['request_id', 'staff_id'])
        .where(
          'request_id',
          'in',
          rows.map((r) => r.id),
        )
        .execute()
    : [];
  return rows.map((r) => ({
    ...r,
    approvedBy: approvals.filter((a) => a.request_id === r.id).map((a) => a.staff_id),
  }));
}
