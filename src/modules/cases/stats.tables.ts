/**
 * Statistics as tables (months by series, with totals) and the small-count suppression applied to
 * them before anything is shown or drawn.
 *
 * Suppression: a count from 1 to min - 1 is primary-suppressed (shown "< min", never drawn): a
 * handful of reports from one channel in one month can point at a person. Because every table
 * shows row and column totals, a single hidden cell in a line could be worked out by subtraction,
 * so secondary suppression follows: while some line (a month's row with its total, or a series'
 * column with its total) has exactly one hidden cell, the smallest other non-zero visible cell of
 * that line is hidden too. Zeros stay visible (they reveal nothing about anyone). Percentages and
 * medians over fewer than min cases are hidden the same way.
 */
import type { StatsGroup } from './stats.repository.ts';

export interface Cell {
  value: number;
  hidden: boolean;
}

export interface Table {
  series: { key: string; label: string }[];
  months: string[];
  /** rows[month][series] */
  rows: Cell[][];
  rowTotals: Cell[];
  columnTotals: Cell[];
  total: Cell;
}

/** Builds a months × series table of counts from the groups, keyed by `keyOf`. */
export function countTable(
  groups: StatsGroup[],
  months: string[],
  keyOf: (g: StatsGroup) => string,
  labelOf: (key: string) => string,
  order: string[] = [],
): Table {
  const keys = new Set<string>(order);
  for (const g of groups) keys.add(keyOf(g));
  const series = [...keys].map((key) => ({ key, label: labelOf(key) }));
  const col = new Map(series.map((s, i) => [s.key, i]));
  const row = new Map(months.map((m, i) => [m, i]));
  const values = months.map(() => series.map(() => 0));
  for (const g of groups) {
    const r = row.get(g.month);
    const c = col.get(keyOf(g));
    if (r === undefined || c === undefined) continue;
    values[r]![c]! += g.n;
  }
  const cell = (value: number): Cell => ({ value, hidden: false });
  const rowTotals = values.map((r) => cell(r.reduce((a, b) => a + b, 0)));
  const columnTotals = series.map((_, c) => cell(values.reduce((a, r) => a + r[c]!, 0)));
  return {
    series,
    months,
    rows: values.map((r) => r.map(cell)),
    rowTotals,
    columnTotals,
    total: cell(rowTotals.reduce((a, b) => a + b.value, 0)),
  };
}

/** Hides small counts and whatever would let them be worked out from the totals (see above). */
export function suppress(t: Table, min: number): Table {
  const all = [...t.rows.flat(), ...t.rowTotals, ...t.columnTotals, t.total];
  for (const c of all) if (c.value > 0 && c.value < min) c.hidden = true;
  // Each line: its cells, then its total.
  const lines: Cell[][] = [
    ...t.rows.map((r, i) => [...r, t.rowTotals[i]!]),
    ...t.series.map((_, c) => [...t.rows.map((r) => r[c]!), t.columnTotals[c]!]),
    [...t.rowTotals, t.total],
    [...t.columnTotals, t.total],
  ];
  for (let changed = true, rounds = 0; changed && rounds < 100; rounds++) {
    changed = false;
    for (const line of lines) {
      if (line.filter((c) => c.hidden).length !== 1) continue;
      const candidates = line.filter((c) => !c.hidden && c.value > 0);
      if (candidates.length === 0) continue;
      // Prefer hiding an inner cell over the line's total, and the smallest one.
      const inner = candidates.filter((c) => c !== line[line.length - 1]);
      const pick = (inner.length > 0 ? inner : candidates).reduce((a, b) => (b.value < a.value ? b : a));
      pick.hidden = true;
      changed = true;
    }
  }
  return t;
}

export interface Rate {
  met: number;
  total: number;
  hidden: boolean;
}

/** Deadline compliance over the whole period, hidden when it rests on fewer than `min` cases. */
export function compliance(groups: StatsGroup[], min: number): { ack: Rate; feedback: Rate } {
  let ackMet = 0;
  let ackTotal = 0;
  let fbMet = 0;
  let fbTotal = 0;
  for (const g of groups) {
    ackMet += g.ackMet;
    ackTotal += g.ackTotal;
    fbMet += g.feedbackMet;
    fbTotal += g.feedbackTotal;
  }
  // Hidden when the cases behind it, or those who missed or met it, are too few to show.
  const hide = (met: number, total: number) =>
    total < min || (met > 0 && met < min) || (total - met > 0 && total - met < min);
  return {
    ack: { met: ackMet, total: ackTotal, hidden: hide(ackMet, ackTotal) },
    feedback: { met: fbMet, total: fbTotal, hidden: hide(fbMet, fbTotal) },
  };
}
