/**
 * The numbers behind /admin/stats, from live reports and from case_statistics (what remains of
 * purged cases), for a range of months and optionally one channel. One grouped scan per source
 * gives volumes and deadline compliance; each median is one sorted read (ORDER BY ... LIMIT 2
 * OFFSET n/2) over the union of both sources. Everything is counted by the month of registration
 * (a cohort view: "of the reports made in March, how many were acknowledged on time").
 *
 * Definitions:
 * - acknowledged on time: acknowledged_at <= ack_due_at. Counted among cases whose ack deadline
 *   has passed or that were acknowledged (an open case still within its deadline is undecided).
 * - feedback on time: the first staff reply (first_reply_at) or the conclusion came no later
 *   than feedback_due_at. Counted among cases whose feedback deadline has passed or that met it.
 * - purged cases carry ack_met / feedback_met as decided at purge time (null: undecided).
 */
import { type RawBuilder, sql } from 'kysely';
import type { Db, Dialect } from '../../platform/db/index.ts';

export interface StatsFilter {
  /** First month, inclusive, and last month, inclusive: 'YYYY-MM'. */
  from: string;
  to: string;
  channelId: string | undefined;
}

export interface StatsGroup {
  month: string;
  channelId: string;
  questionnaireId: string;
  outcome: string | null;
  n: number;
  ackMet: number;
  ackTotal: number;
  feedbackMet: number;
  feedbackTotal: number;
}

export interface Median {
  /** How many cases the median is over. */
  n: number;
  /** Milliseconds, or null when there are none. */
  ms: number | null;
}

export interface StatsData {
  months: string[];
  groups: StatsGroup[];
  medians: { acknowledge: Median; firstReply: Median; conclude: Median };
}

export function monthStart(month: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return Date.UTC(y, m - 1, 1);
}

export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  const end = to;
  for (let i = 0; i < 1200; i++) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    out.push(key);
    if (key >= end) break;
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

export function monthOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

function monthExpr(dialect: Dialect, column: string): RawBuilder<string> {
  return dialect === 'sqlite'
    ? sql<string>`strftime('%Y-%m', ${sql.ref(column)} / 1000, 'unixepoch')`
    : sql<string>`to_char(to_timestamp(${sql.ref(column)} / 1000.0) at time zone 'UTC', 'YYYY-MM')`;
}

export class StatsRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {}

  async load(f: StatsFilter, now: number): Promise<StatsData> {
    const start = monthStart(f.from);
    const months = monthsBetween(f.from, f.to);
    const end = monthStart(months[months.length - 1]!) + 32 * 86_400_000;
    const endMonth = Date.UTC(new Date(end).getUTCFullYear(), new Date(end).getUTCMonth(), 1);
    const [live, purged, acknowledge, firstReply, conclude] = await Promise.all([
      this.liveGroups(start, endMonth, f.channelId, now),
      this.purgedGroups(start, endMonth, f.channelId),
      this.median(start, endMonth, f.channelId, 'acknowledged_at', 'acknowledged_after_ms'),
      this.median(start, endMonth, f.channelId, 'first_reply_at', 'first_reply_after_ms'),
      this.median(start, endMonth, f.channelId, 'concluded_at', 'concluded_after_ms'),
    ]);
    return { months, groups: [...live, ...purged], medians: { acknowledge, firstReply, conclude } };
  }

  private async liveGroups(start: number, end: number, channelId: string | undefined, now: number) {
    // Grouped by day number (integer division, cheap on both databases) and folded into months
    // here: formatting a month string for every row was most of the cost at a million reports.
    // A literal, not a parameter: a bound JS number is a REAL on SQLite and the division would not truncate.
    const day = sql<number>`registered_at / ${sql.lit(DAY_MS)}`;
    const ackMet = sql`acknowledged_at is not null and acknowledged_at <= ack_due_at`;
    const fbMet = sql`(first_reply_at is not null and first_reply_at <= feedback_due_at) or (concluded_at is not null and concluded_at <= feedback_due_at)`;
    let q = this.db
      .selectFrom('reports')
      .select([
        day.as('day'),
        'channel_id',
        'questionnaire_id',
        'outcome',
        sql<number>`count(*)`.as('n'),
        sql<number>`sum(case when ${ackMet} then 1 else 0 end)`.as('ack_met'),
        sql<number>`sum(case when (${ackMet}) or ack_due_at <= ${now} then 1 else 0 end)`.as('ack_total'),
        sql<number>`sum(case when ${fbMet} then 1 else 0 end)`.as('fb_met'),
        sql<number>`sum(case when (${fbMet}) or feedback_due_at <= ${now} then 1 else 0 end)`.as('fb_total'),
      ])
      .where('registered_at', '>=', start)
      .where('registered_at', '<', end);
    if (channelId) q = q.where('channel_id', '=', channelId);
    const rows = await q.groupBy([day, 'channel_id', 'questionnaire_id', 'outcome']).execute();
    return foldIntoMonths(rows.map((r) => toGroup({ ...r, month: monthOf(Number(r.day) * DAY_MS) })));
  }

  private async purgedGroups(start: number, end: number, channelId: string | undefined) {
    const month = monthExpr(this.dialect, 'registered_day');
    let q = this.db
      .selectFrom('case_statistics')
      .select([
        month.as('month'),
        'channel_id',
        'questionnaire_id',
        'outcome',
        sql<number>`count(*)`.as('n'),
        sql<number>`sum(case when ack_met = 1 then 1 else 0 end)`.as('ack_met'),
        sql<number>`sum(case when ack_met is not null then 1 else 0 end)`.as('ack_total'),
        sql<number>`sum(case when feedback_met = 1 then 1 else 0 end)`.as('fb_met'),
        sql<number>`sum(case when feedback_met is not null then 1 else 0 end)`.as('fb_total'),
      ])
      .where('registered_day', '>=', start)
      .where('registered_day', '<', end);
    if (channelId) q = q.where('channel_id', '=', channelId);
    const rows = await q.groupBy([month, 'channel_id', 'questionnaire_id', 'outcome']).execute();
    return rows.map(toGroup);
  }

  /** The median of (column - registered_at) over live reports and of `purgedColumn` over purged ones. */
  private async median(
    start: number,
    end: number,
    channelId: string | undefined,
    column: 'acknowledged_at' | 'first_reply_at' | 'concluded_at',
    purgedColumn: 'acknowledged_after_ms' | 'first_reply_after_ms' | 'concluded_after_ms',
  ): Promise<Median> {
    const channel = (c: string) => (channelId ? sql` and ${sql.ref(c)} = ${channelId}` : sql``);
    const durations = sql`select ${sql.ref(column)} - registered_at as d from reports
      where registered_at >= ${start} and registered_at < ${end} and ${sql.ref(column)} is not null${channel('channel_id')}
      union all
      select ${sql.ref(purgedColumn)} as d from case_statistics
      where registered_day >= ${start} and registered_day < ${end} and ${sql.ref(purgedColumn)} is not null${channel('channel_id')}`;
    const count = await sql<{ n: number | string }>`select count(*) as n from (${durations}) u`.execute(
      this.db,
    );
    const n = Number(count.rows[0]?.n ?? 0);
    if (n === 0) return { n, ms: null };
    const middle = await sql<{
      d: number | string;
    }>`select d from (${durations}) u order by d limit ${n % 2 === 0 ? 2 : 1} offset ${Math.floor((n - 1) / 2)}`.execute(
      this.db,
    );
    const values = middle.rows.map((r) => Number(r.d));
    const ms = values.reduce((a, b) => a + b, 0) / values.length;
    return { n, ms };
  }
}

const DAY_MS = 86_400_000;

/** Adds up the groups that share a month, channel, category and outcome. */
function foldIntoMonths(groups: StatsGroup[]): StatsGroup[] {
  const byKey = new Map<string, StatsGroup>();
  for (const g of groups) {
    const key = JSON.stringify([g.month, g.channelId, g.questionnaireId, g.outcome]);
    const had = byKey.get(key);
    if (!had) {
      byKey.set(key, { ...g });
      continue;
    }
    had.n += g.n;
    had.ackMet += g.ackMet;
    had.ackTotal += g.ackTotal;
    had.feedbackMet += g.feedbackMet;
    had.feedbackTotal += g.feedbackTotal;
  }
  return [...byKey.values()];
}

function toGroup(r: {
  month: string;
  channel_id: string;
  questionnaire_id: string;
  outcome: string | null;
  n: number;
  ack_met: number;
  ack_total: number;
  fb_met: number;
  fb_total: number;
}): StatsGroup {
  return {
    month: r.month,
    channelId: r.channel_id,
    questionnaireId: r.questionnaire_id,
    outcome: r.outcome,
    n: Number(r.n),
    ackMet: Number(r.ack_met ?? 0),
    ackTotal: Number(r.ack_total ?? 0),
    feedbackMet: Number(r.fb_met ?? 0),
    feedbackTotal: Number(r.fb_total ?? 0),
  };
}
