/**
 * Throttling of repeated failures without storing who failed: the key is a keyed hash of what was
 * tried (an account name, later a receipt code), never a network address. State is in the database,
 * so every node sees the same counts.
 */
import { hmac } from '../crypto/index.ts';
import type { Db } from '../db/index.ts';

export interface ThrottlePolicy {
  /** Failures allowed inside the window before blocking starts. */
  freeFailures: number;
  windowMs: number;
  /** The first block; each further failure doubles it, up to maxBlockMs. */
  baseBlockMs: number;
  maxBlockMs: number;
}

export class Throttle {
  constructor(
    private readonly db: Db,
    private readonly key: Buffer,
    private readonly policy: ThrottlePolicy,
    private readonly now: () => number = Date.now,
  ) {}

  keyFor(scope: string, subject: string): string {
    return hmac(this.key, `${scope}\n${subject}`).toString('base64url');
  }

  /** Milliseconds until the subject may try again; 0 when it may try now. */
  async blockedFor(key: string): Promise<number> {
    const row = await this.db
      .selectFrom('throttles')
      .select('blocked_until')
      .where('key', '=', key)
      .executeTakeFirst();
    return row ? Math.max(0, row.blocked_until - this.now()) : 0;
  }

  async recordFailure(key: string): Promise<void> {
    const now = this.now();
    const p = this.policy;
    await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('throttles').selectAll().where('key', '=', key).executeTakeFirst();
      const fresh = !row || row.window_started_at + p.windowMs <= now;
      const failures = fresh ? 1 : row.failures + 1;
      const over = failures - p.freeFailures;
      const blockedUntil = over > 0 ? now + Math.min(p.maxBlockMs, p.baseBlockMs * 2 ** (over - 1)) : 0;
      const values = {
        failures,
        window_started_at: fresh ? now : row.window_started_at,
        blocked_until: blockedUntil,
      };
      if (row) await trx.updateTable('throttles').set(values).where('key', '=', key).execute();
      else
        await trx
          .insertInto('throttles')
          .values({ key, ...values })
          .onConflict((oc) => oc.column('key').doUpdateSet(values))
          .execute();
    });
  }

  async reset(key: string): Promise<void> {
    await this.db.deleteFrom('throttles').where('key', '=', key).execute();
  }

  /** Forgets entries whose window and block have both passed. */
  async purgeStale(): Promise<number> {
    const now = this.now();
    const r = await this.db
      .deleteFrom('throttles')
      .where('blocked_until', '<', now)
      .where('window_started_at', '<', now - this.policy.windowMs)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

/**
 * Caps how many expensive operations (password derivations: 64 MiB each) run at once in this
 * process, with a short queue; beyond that the caller is told to come back. Memory stays bounded
 * under a flood of sign-in attempts.
 */
export class ConcurrencyGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(
    private readonly maxActive: number,
    private readonly maxWaiting: number,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T | typeof GATE_FULL> {
    if (this.active >= this.maxActive) {
      if (this.waiting.length >= this.maxWaiting) return GATE_FULL;
      // The finishing holder hands its slot straight to us: `active` stays the same.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export const GATE_FULL = Symbol('gate-full');

/**
 * A token bucket for one kind of request in this process (sign-in attempts, say), keyed by nothing:
 * it caps the rate at which this node does expensive work, whoever asks, without knowing who asks.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.refillPerSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
