/**
 * The append-only, hash-chained audit log. Each entry's hash is an HMAC, under a key kept outside
 * the database, of its predecessor's hash and its own content (sequence number included): editing,
 * deleting or reordering entries breaks the chain, and someone holding only the database cannot
 * recompute it. A signed head (last sequence number and hash) also catches a truncated tail.
 * Appends are serialised: an advisory lock on PostgreSQL, the single writer on SQLite.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import { hmac } from '../crypto/index.ts';
import type { Db, Dialect } from '../db/index.ts';
import type { Database } from '../db/schema.ts';

export const GENESIS_HASH = '0'.repeat(64);
const HEAD_KEY = 'audit.head';

export interface Actor {
  id: string | null;
  /** A readable name kept with the entry, so it stays meaningful after the account is gone. */
  label: string;
}

export const SYSTEM_ACTOR: Actor = { id: null, label: 'system' };

export interface AuditEntryInput {
  actor: Actor;
  action: string;
  targetType?: string;
  targetId?: string;
  /** Never put report content, passwords, tokens or keys here: the log is readable by admins. */
  details?: Record<string, unknown>;
}

export interface AuditEntry {
  seq: number;
  at: number;
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

type Executor = Kysely<Database> | Transaction<Database>;

export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
    private readonly key: Buffer,
    private readonly now: () => number = Date.now,
  ) {}

  /** Appends an entry; pass the caller's transaction so the entry commits with the change it records. */
  async record(input: AuditEntryInput, trx?: Transaction<Database>): Promise<void> {
    if (trx) return this.append(trx, input);
    await this.db.transaction().execute((t) => this.append(t, input));
  }

  private async append(trx: Executor, input: AuditEntryInput): Promise<void> {
    if (this.dialect === 'postgres') {
      await sql`select pg_advisory_xact_lock(7302451)`.execute(trx);
    }
    const last = await trx
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const entry = {
      seq: (last?.seq ?? 0) + 1,
      at: this.now(),
      actor_id: input.actor.id,
      actor_label: input.actor.label,
      action: input.action,
      target_type: input.targetType ?? null,
      target_id: input.targetId ?? null,
      details: JSON.stringify(input.details ?? {}),
      prev_hash: last?.hash ?? GENESIS_HASH,
    };
    const hash = entryHash(this.key, entry);
    await trx
      .insertInto('audit_log')
      .values({ ...entry, hash })
      .execute();
    const head = JSON.stringify({ seq: entry.seq, hash, mac: headMac(this.key, entry.seq, hash) });
    await trx
      .insertInto('settings')
      .values({ key: HEAD_KEY, value: head, updated_at: entry.at })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: head, updated_at: entry.at }))
      .execute();
  }

  /** Walks the whole chain in order. */
  async verify(): Promise<VerifyResult> {
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    const batch = 1000;
    for (;;) {
      const rows = await this.db
        .selectFrom('audit_log')
        .selectAll()
        .where('seq', '>=', expectedSeq)
        .orderBy('seq')
        .limit(batch)
        .execute();
      for (const row of rows) {
        if (row.seq !== expectedSeq) {
          return broken(
            expectedSeq,
            'missing',
            `entry ${expectedSeq} is missing (next present is ${row.seq})`,
            expectedSeq - 1,
          );
        }
        if (row.prev_hash !== prevHash) {
          return broken(
            row.seq,
            'unlinked',
            'it does not follow the entry before it (deleted or reordered)',
            expectedSeq - 1,
          );
        }
        if (entryHash(this.key, row) !== row.hash) {
          return broken(row.seq, 'altered', 'its content was changed after it was written', expectedSeq - 1);
        }
        prevHash = row.hash;
        expectedSeq++;
      }
      if (rows.length < batch) break;
    }
    const count = expectedSeq - 1;
    const headRow = await this.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', HEAD_KEY)
      .executeTakeFirst();
    if (count === 0 && !headRow && (await this.hasAccounts())) {
      // A log is empty only before anyone was ever set up; accounts without a log mean it was wiped.
      return broken(1, 'emptied', 'the log is empty although accounts exist (it was wiped)', 0);
    }
    if (count > 0 || headRow) {
      const head = headRow
        ? (JSON.parse(headRow.value) as { seq: number; hash: string; mac: string })
        : undefined;
      if (!head || head.mac !== headMac(this.key, head.seq, head.hash)) {
        return broken(count, 'head', 'the signed head of the log is missing or was altered', count);
      }
      if (head.seq !== count || head.hash !== prevHash) {
        return broken(
          count + 1,
          'truncated',
          `entries after ${count} were removed (the log had ${head.seq})`,
          count,
        );
      }
    }
    return { ok: true, count };
  }

  private async hasAccounts(): Promise<boolean> {
    return (await this.db.selectFrom('staff').select('id').limit(1).executeTakeFirst()) !== undefined;
  }

  async list(filter: AuditFilter): Promise<AuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (filter.action) q = q.where('action', '=', filter.action);
    if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
    if (filter.from !== undefined) q = q.where('at', '>=', filter.from);
    if (filter.to !== undefined) q = q.where('at', '<', filter.to);
    if (filter.before !== undefined) q = q.where('seq', '<', filter.before);
    return q.orderBy('seq', 'desc').limit(filter.limit).execute();
  }

  async actions(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('audit_log')
      .select('action')
      .distinct()
      .orderBy('action')
      .execute();
    return rows.map((r) => r.action);
  }
}

export interface AuditFilter {
  action?: string;
  actorId?: string;
  from?: number;
  to?: number;
  /** Keyset pagination: entries with a lower sequence number than this. */
  before?: number;
  limit: number;
}

export type VerifyResult =
  | { ok: true; count: number }
  | { ok: false; seq: number; code: BreakCode; reason: string; intact: number };

/** What broke, for a message in the reader's language; `reason` is the English text for the CLI. */
export type BreakCode = 'missing' | 'unlinked' | 'altered' | 'emptied' | 'head' | 'truncated';

function broken(seq: number, code: BreakCode, reason: string, intact: number): VerifyResult {
  return { ok: false, seq, code, reason, intact };
}

function entryHash(key: Buffer, e: Omit<AuditEntry, 'hash'>): string {
  const canonical = JSON.stringify([
    e.seq,
    e.at,
    e.actor_id,
    e.actor_label,
    e.action,
    e.target_type,
    e.target_id,
    e.details,
    e.prev_hash,
  ]);
  return hmac(key, canonical).toString('hex');
}

function headMac(key: Buffer, seq: number, hash: string): string {
  return hmac(key, `head:${seq}:${hash}`).toString('hex');
}
