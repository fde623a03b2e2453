/**
 * The last step of a recovery (recovery.service.ts): with M approvals, rebuild the recovery private
 * key in memory, re-wrap the target's cases to their new key, delete the approvals' shares, forget
 * the key. One transaction: either every case comes back or nothing changes.
 */
import type { AppContext } from '../../app-context.ts';
import { open, openWithPrivateKey, publicKeyOf, sealToPublicKey } from '../../platform/crypto/index.ts';
import { combineShares } from '../../platform/crypto/shamir.ts';
import { contentKeyAad, identityKeyAad, openWrap } from './access.ts';
import { approvalAad, requestPrivateAad } from './recovery.service.ts';
import { recordCaseEvent } from './timeline.ts';

/** Rebuilds the recovery key from M approvals and gives the target their cases back. */
export async function completeIfReady(ctx: AppContext, requestId: string): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const request = await trx
      .selectFrom('recovery_requests')
      .selectAll()
      .where('id', '=', requestId)
      .executeTakeFirst();
    if (request?.status !== 'pending') return false;
    const key = await trx
      .selectFrom('recovery_keys')
      .selectAll()
      .where('id', '=', request.key_id)
      .executeTakeFirstOrThrow();
    const approvals = await trx
      .selectFrom('recovery_approvals')
      .selectAll()
      .where('request_id', '=', requestId)
      .execute();
    if (approvals.length < key.threshold) return false;
    // Claim the request first: a concurrent final approval finds it no longer pending.
    const claimed = await trx
      .updateTable('recovery_requests')
      .set({ status: 'completed', completed_at: ctx.now() })
      .where('id', '=', requestId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return false;
    const requestPrivate = open(
      ctx.keys.recovery,
      Buffer.from(request.sealed_request_private),
      requestPrivateAad(requestId),
    );
    const shares = approvals.map((a) =>
      openWithPrivateKey(requestPrivate, Buffer.from(a.sealed_share), approvalAad(requestId, a.staff_id)),
    );
    requestPrivate.fill(0);
    const recoveryPrivate = combineShares(shares.slice(0, key.threshold));
    for (const s of shares) s.fill(0);
    try {
      if (!publicKeyOf(recoveryPrivate).equals(Buffer.from(key.public_key)))
        throw new Error('the shares did not rebuild the recovery key');
      const target = await trx
        .selectFrom('staff_keys')
        .select(['id', 'public_key'])
        .where('staff_id', '=', request.target_staff_id)
        .where('status', '=', 'active')
        .executeTakeFirstOrThrow();
      const targetPublic = Buffer.from(target.public_key);
      // Every case sealed to one of the target's retired keys, with its recovery wrap when it has one.
      const lost = await trx
        .selectFrom('report_key_wraps as w')
        .innerJoin('staff_keys as k', 'k.id', 'w.key_id')
        .leftJoin('report_recovery_wraps as r', (j) =>
          j.onRef('r.report_id', '=', 'w.report_id').on('r.key_id', '=', key.id),
        )
        .select(['w.report_id', 'r.wrapped_content_key', 'r.wrapped_identity_key'])
        .where('w.staff_id', '=', request.target_staff_id)
        .where('k.status', '=', 'retired')
        .distinct()
        .execute();
      const already = new Set(
        (
          await trx
            .selectFrom('report_key_wraps')
            .select('report_id')
            .where('key_id', '=', target.id)
            .execute()
        ).map((r) => r.report_id),
      );
      const seen = new Set<string>();
      let recovered = 0;
      let unrecoverable = 0;
      const actor = { id: null, label: 'recovery' };
      for (const row of lost) {
        if (seen.has(row.report_id) || already.has(row.report_id)) continue;
        seen.add(row.report_id);
        if (!row.wrapped_content_key) {
          unrecoverable++;
          continue;
        }
        const { contentKey, identityKey } = openWrap(recoveryPrivate, row.report_id, {
          wrapped_content_key: row.wrapped_content_key,
          wrapped_identity_key: row.wrapped_identity_key,
        });
        await trx
          .insertInto('report_key_wraps')
          .values({
            report_id: row.report_id,
            key_id: target.id,
            staff_id: request.target_staff_id,
            wrapped_content_key: sealToPublicKey(targetPublic, contentKey, contentKeyAad(row.report_id)),
            wrapped_identity_key: identityKey
              ? sealToPublicKey(targetPublic, identityKey, identityKeyAad(row.report_id))
              : null,
            created_at: ctx.now(),
          })
          .execute();
        contentKey.fill(0);
        identityKey?.fill(0);
        await recordCaseEvent(trx, {
          reportId: row.report_id,
          actor,
          kind: 'recovered',
          at: ctx.now(),
          details: { requestId },
        });
        recovered++;
      }
      // The shares have done their job: nothing sealed to this request's key remains.
      await trx.deleteFrom('recovery_approvals').where('request_id', '=', requestId).execute();
      await trx
        .insertInto('staff_notices')
        .values({
          staff_id: request.target_staff_id,
          report_id: null,
          kind: 'recovery-completed',
          details: JSON.stringify({ requestId, recovered }),
          created_at: ctx.now(),
          read_at: null,
        })
        .execute();
      await ctx.audit.record(
        {
          actor,
          action: 'recovery.completed',
          targetType: 'staff',
          targetId: request.target_staff_id,
          details: { requestId, recovered, unrecoverable, approvals: approvals.length },
        },
        trx,
      );
      return true;
    } finally {
      recoveryPrivate.fill(0);
    }
  });
}
