/**
 * Wraps of a case's keys for the organisation recovery key. Intake adds one to every new report
 * once a recovery key is set up (report-record.ts); reports registered before that get theirs
 * lazily, from someone who can read them: when a reader opens the case (ensureRecoveryWrap, called
 * by the case page) or in bulk from the recovery page ("protect my cases", protectCasesOf).
 */
import type { Kysely, Transaction } from 'kysely';
import type { AppContext } from '../../app-context.ts';
import { sealToPublicKey } from '../../platform/crypto/keypair.ts';
import type { Database } from '../../platform/db/schema.ts';
import { reportsOf } from '../reports/module.ts';
import { type CaseKeys, contentKeyAad, identityKeyAad, openWrap } from './access.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** The active recovery key (from the directory snapshot, which intake reads too). */
export async function activeRecoveryKey(
  ctx: AppContext,
): Promise<{ keyId: string; publicKey: Buffer } | null> {
  return (await reportsOf(ctx).directory.snapshot()).recoveryKey;
}

function recoveryWrapRow(
  reportId: string,
  recovery: { keyId: string; publicKey: Buffer },
  keys: Pick<CaseKeys, 'contentKey' | 'identityKey'>,
  now: number,
) {
  return {
    report_id: reportId,
    key_id: recovery.keyId,
    wrapped_content_key: sealToPublicKey(recovery.publicKey, keys.contentKey, contentKeyAad(reportId)),
    wrapped_identity_key: keys.identityKey
      ? sealToPublicKey(recovery.publicKey, keys.identityKey, identityKeyAad(reportId))
      : null,
    created_at: now,
  };
}

/**
 * Adds a wrap of the case's keys for the active recovery key if the case has none yet. Cheap when
 * it exists (one indexed read). Returns true when a wrap exists afterwards, false when no recovery
 * key is set up.
 */
export async function ensureRecoveryWrap(
  ctx: AppContext,
  db: Executor,
  reportId: string,
  keys: Pick<CaseKeys, 'contentKey' | 'identityKey'>,
): Promise<boolean> {
  const recovery = await activeRecoveryKey(ctx);
  if (!recovery) return false;
  const existing = await db
    .selectFrom('report_recovery_wraps')
    .select('key_id')
    .where('report_id', '=', reportId)
    .where('key_id', '=', recovery.keyId)
    .executeTakeFirst();
  if (existing) return true;
  await db
    .insertInto('report_recovery_wraps')
    .values(recoveryWrapRow(reportId, recovery, keys, ctx.now()))
    .onConflict((oc) => oc.columns(['report_id', 'key_id']).doNothing())
    .execute();
  return true;
}

const BATCH = 200;

/**
 * Wraps every case a staff member can read (and that lacks one) for the active recovery key, in
 * batches. Returns how many were added, or undefined when no recovery key is set up.
 */
export async function protectCasesOf(
  ctx: AppContext,
  staffId: string,
  privateKey: Buffer,
): Promise<number | undefined> {
  const recovery = await activeRecoveryKey(ctx);
  if (!recovery) return undefined;
  let added = 0;
  let after = '';
  for (;;) {
    const rows = await ctx.db
      .selectFrom('report_key_wraps as w')
      .innerJoin('staff_keys as k', 'k.id', 'w.key_id')
      .leftJoin('report_recovery_wraps as r', (j) =>
        j.onRef('r.report_id', '=', 'w.report_id').on('r.key_id', '=', recovery.keyId),
      )
      .select(['w.report_id', 'w.wrapped_content_key', 'w.wrapped_identity_key'])
      .where('w.staff_id', '=', staffId)
      .where('k.status', '=', 'active')
      .where('r.report_id', 'is', null)
      .where('w.report_id', '>', after)
      .orderBy('w.report_id')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.report_id;
    const values = [];
    for (const row of rows) {
      try {
        const { contentKey, identityKey } = openWrap(privateKey, row.report_id, row);
        values.push(recoveryWrapRow(row.report_id, recovery, { contentKey, identityKey }, ctx.now()));
        contentKey.fill(0);
        identityKey?.fill(0);
      } catch {
        // A wrap the session's key cannot open (should not happen for an active key): skip it.
      }
    }
    if (values.length > 0) {
      await ctx.db
        .insertInto('report_recovery_wraps')
        .values(values)
        .onConflict((oc) => oc.columns(['report_id', 'key_id']).doNothing())
        .execute();
      added += values.length;
    }
    if (rows.length < BATCH) break;
  }
  return added;
}
