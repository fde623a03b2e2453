/**
 * Daily view counts. A public page calls countView(path): that adds one to an in-memory counter for
 * (today, path) and nothing else: no cookie, no address, no user agent, no referrer, no time finer
 * than the day. Every ~10 s (and when the app closes) the counters are added to page_views with one
 * upsert per (day, path), so a busy page costs one row write per flush, not one per view. Several
 * nodes each add their own counts: the upsert adds, it never overwrites.
 */
import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.ts';

/** What other modules get from ctx.services.get('views'). */
export interface ViewsService {
  /** Counts one view of a public page; cheap (a map increment). Only site paths ('/…', at most 300 characters) count. */
  countView(path: string): void;
}

export const FLUSH_INTERVAL_MS = 10_000;
/** Distinct (day, path) pairs held between flushes; more are dropped rather than grow memory. */
const MAX_PENDING = 20_000;
const MAX_PATH = 300;

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export class ViewCounter implements ViewsService {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly onError: (err: unknown) => void,
    private readonly intervalMs = FLUSH_INTERVAL_MS,
  ) {}

  /** The current UTC day, recomputed only when a day has passed: this runs on every cached page. */
  private day = { until: 0, name: '' };
  private today(): string {
    const now = this.now();
    if (now >= this.day.until || now < this.day.until - 86_400_000) {
      const start = now - (now % 86_400_000);
      this.day = { until: start + 86_400_000, name: dayOf(now) };
    }
    return this.day.name;
  }

  countView(path: string): void {
    if (this.closed || typeof path !== 'string' || path.length > MAX_PATH) return;
    if (!path.startsWith('/') || path.startsWith('//')) return;
    const key = `${this.today()}\n${path}`;
    const n = this.pending.get(key);
    if (n !== undefined) this.pending.set(key, n + 1);
    else if (this.pending.size < MAX_PENDING) this.pending.set(key, 1);
    else return;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush().catch(this.onError);
      }, this.intervalMs);
      this.timer.unref();
    }
  }

  /** Writes the pending counts. On failure they are kept (merged back) for the next flush. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => {});
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.write(batch)
      .catch((err: unknown) => {
        for (const [k, v] of batch) this.pending.set(k, (this.pending.get(k) ?? 0) + v);
        throw err;
      })
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }

  private async write(batch: Map<string, number>): Promise<void> {
    const rows = [...batch].map(([key, views]) => {
      const cut = key.indexOf('\n');
      return { day: key.slice(0, cut), path: key.slice(cut + 1), views };
    });
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 200) {
        await trx
          .insertInto('page_views')
          .values(rows.slice(i, i + 200))
          .onConflict((oc) =>
            oc.columns(['day', 'path']).doUpdateSet({ views: sql`page_views.views + excluded.views` }),
          )
          .execute();
      }
    });
  }

  /** Stops the timer and writes what is left (the app's onClose). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}

export interface ViewsReport {
  days: { day: string; views: number }[];
  top: { path: string; views: number }[];
  total: number;
}

/** Views per day over the last `days` days (today included), and the most viewed paths. */
export async function viewsReport(db: Db, now: number, days: number): Promise<ViewsReport> {
  const from = dayOf(now - (days - 1) * 86_400_000);
  const perDay = await db
    .selectFrom('page_views')
    .select(['day', (eb) => eb.fn.sum<number | string>('views').as('views')])
    .where('day', '>=', from)
    .groupBy('day')
    .execute();
  const top = await db
    .selectFrom('page_views')
    .select(['path', (eb) => eb.fn.sum<number | string>('views').as('views')])
    .where('day', '>=', from)
    .groupBy('path')
    .orderBy('views', 'desc')
    .orderBy('path')
    .limit(20)
    .execute();
  const byDay = new Map(perDay.map((r) => [r.day, Number(r.views)]));
  const list: ViewsReport['days'] = [];
  for (let i = 0; i < days; i++) {
    const day = dayOf(now - i * 86_400_000);
    list.push({ day, views: byDay.get(day) ?? 0 });
  }
  return {
    days: list,
    top: top.map((r) => ({ path: r.path, views: Number(r.views) })),
    total: list.reduce((n, d) => n + d.views, 0),
  };
}
