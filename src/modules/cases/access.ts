/**
 * Need-to-know access to a case's keys. A case is readable only by staff holding a wrap of its
 * content key for their active key pair; the private key comes from the session (sessions.ts) and
 * lives only in memory for the request. Sharing seals the same keys to another person's active
 * public key. Nothing here decides roles: routes check those, services check the rules.
 */

import type { Transaction } from 'kysely';
import { randomToken } from '../../platform/crypto/index.ts';
import { openWithPrivateKey, sealToPublicKey } from '../../platform/crypto/keypair.ts';
import type { Db } from '../../platform/db/index.ts';
import type { Database } from '../../platform/db/schema.ts';

export interface CaseKeys {
  contentKey: Buffer;
  /** Present when the report has an identity and the reader's wrap includes it (opening it is still gated). */
  identityKey: Buffer | undefined;
  /** The staff key the wrap was opened with. */
  keyId: string;
}

export const contentKeyAad = (reportId: string) => `report/${reportId}/content-key`;
export const identityKeyAad = (reportId: string) => `report/${reportId}/identity-key`;

/** Opens a pair of wrapped keys (content, and identity when present) with a private key; throws when it is not theirs. */
export function openWrap(
  privateKey: Buffer,
  reportId: string,
  wrap: { wrapped_content_key: Uint8Array; wrapped_identity_key: Uint8Array | null },
): Pick<CaseKeys, 'contentKey' | 'identityKey'> {
  return {
    contentKey: openWithPrivateKey(
      privateKey,
      Buffer.from(wrap.wrapped_content_key),
      contentKeyAad(reportId),
    ),
    identityKey: wrap.wrapped_identity_key
      ? openWithPrivateKey(privateKey, Buffer.from(wrap.wrapped_identity_key), identityKeyAad(reportId))
      : undefined,
  };
}

/** The private key a signed-in request carries in its session, if any. */
export function sessionPrivateKey(
  session: { secrets: { privateKey?: string } } | undefined,
): Buffer | undefined {
  const b64 = session?.secrets.privateKey;
  return b64 ? Buffer.from(b64, 'base64') : undefined;
}

/** Opens a case's keys for a staff member, or undefined when it was not shared with them. */
export async function openCaseKeys(
  db: Db,
  staffId: string,
  privateKey: Buffer | undefined,
  reportId: string,
): Promise<CaseKeys | undefined> {
  if (!privateKey) return undefined;
  const wrap = await db
    .selectFrom('report_key_wraps as w')
    .innerJoin('staff_keys as k', 'k.id', 'w.key_id')
    .select(['w.key_id', 'w.wrapped_content_key', 'w.wrapped_identity_key'])
    .where('w.report_id', '=', reportId)
    .where('w.staff_id', '=', staffId)
    .where('k.status', '=', 'active')
    .executeTakeFirst();
  if (!wrap) return undefined;
  try {
    return { ...openWrap(privateKey, reportId, wrap), keyId: wrap.key_id };
  } catch {
    // A wrap for another key pair of the same person (the session's key was replaced): not readable.
    return undefined;
  }
}

/** Whether a staff member holds a wrap of the case for their active key (no key material needed). */
export async function isSharedWith(db: Db, staffId: string, reportId: string): Promise<boolean> {
  const row = await db
    .selectFrom('report_key_wraps as w')
    .innerJoin('staff_keys as k', 'k.id', 'w.key_id')
    .select('w.key_id')
    .where('w.report_id', '=', reportId)
    .where('w.staff_id', '=', staffId)
    .where('k.status', '=', 'active')
    .executeTakeFirst();
  return row !== undefined;
}

/** The active public key of a staff member, or undefined (they have never signed in, or were reset). */
export async function activePublicKey(
  db: Db | Transaction<Database>,
  staffId: string,
): Promise<{ keyId: string; publicKey: Buffer } | undefined> {
  const row = await db
    .selectFrom('staff_keys')
    .select(['id', 'public_key'])
    .where('staff_id', '=', staffId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return row ? { keyId: row.id, publicKey: Buffer.from(row.public_key) } : undefined;
}

/**
 * Seals a case's keys to another staff member's active key (inside the caller's transaction).
 * Returns false when they hold no active key yet; true when the wrap exists afterwards.
 */
export async function wrapCaseFor(
  trx: Transaction<Database>,
  reportId: string,
  keys: Pick<CaseKeys, 'contentKey' | 'identityKey'>,
  staffId: string,
  now: number,
): Promise<boolean> {
  const target = await activePublicKey(trx, staffId);
  if (!target) return false;
  const existing = await trx
    .selectFrom('report_key_wraps')
    .select('key_id')
    .where('report_id', '=', reportId)
    .where('key_id', '=', target.keyId)
    .executeTakeFirst();
  if (existing) return true;
  await trx
    .insertInto('report_key_wraps')
    .values({
      report_id: reportId,
      key_id: target.keyId,
      staff_id: staffId,
      wrapped_content_key: sealToPublicKey(target.publicKey, keys.contentKey, contentKeyAad(reportId)),
      wrapped_identity_key: keys.identityKey
        ? sealToPublicKey(target.publicKey, keys.identityKey, identityKeyAad(reportId))
        : null,
      created_at: now,
    })
    .execute();
  return true;
}

export const newId = (): string => randomToken(16);
