/**
 * The inbox's query string: filters, sort and the keyset cursor, parsed from whatever arrived
 * (never trusted: each value is checked, a bad one is dropped and named so the page can say so)
 * and written back for links, saved filters and exports. Pure code, no database.
 */
import type { ReportStatus } from '../../platform/db/schema.ts';
import { DAY_MS, PRIORITIES, STATUSES } from './workflow.ts';

export const SORTS = ['newest', 'oldest', 'due'] as const;
export type InboxSort = (typeof SORTS)[number];
export const DEADLINE_FILTERS = ['overdue', 'due-soon', 'on-time'] as const;
export type DeadlineFilter = (typeof DEADLINE_FILTERS)[number];
export const PAGE_SIZE = 50;

/** The filter fields of the query string, each with its longest accepted value. */
export const QUERY_FIELDS = {
  status: 20,
  channel: 80,
  category: 80,
  priority: 2,
  assignee: 80,
  deadline: 20,
  label: 40,
  from: 10,
  to: 10,
  ref: 20,
  sort: 10,
  after: 200,
} as const;
export type QueryField = keyof typeof QUERY_FIELDS;

/** The JSON schema of the inbox's querystring: strings (or repeats), bounded; values checked below. */
export const INBOX_QUERY_SCHEMA = {
  type: 'object',
  properties: Object.fromEntries(
    [...Object.keys(QUERY_FIELDS), 'm', 'n'].map((k) => [
      k,
      {
        anyOf: [
          { type: 'string', maxLength: 400 },
          { type: 'array', maxItems: 20 },
        ],
      },
    ]),
  ),
} as const;

export interface InboxFilter {
  status?: ReportStatus;
  channel?: string;
  category?: string;
  priority?: number;
  /** A staff id, or 'me' (resolved by the route), or 'none' (unassigned). */
  assignee?: string;
  deadline?: DeadlineFilter;
  label?: string;
  /** Registered from this day (inclusive), as 'YYYY-MM-DD' (UTC days). */
  from?: string;
  /** Registered up to this day (inclusive). */
  to?: string;
  ref?: string;
  sort: InboxSort;
}

/** Where a page starts: the sort key and id of the last row of the page before. */
export interface Cursor {
  sort: InboxSort;
  /** registered_at for newest/oldest; next_due_at (or null past the dated cases) for due. */
  key: number | null;
  id: string;
}

const ID = /^[A-Za-z0-9_-]{1,80}$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const REFERENCE = /^R-[0-9A-Z]{4}-[0-9A-Z]{4}$/;
/** Letters and digits of any script, spaces, hyphens and underscores. */
const LABEL = /^[\p{L}\p{N}\p{M} _-]+$/u;

export function firstOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

/** A label as stored: trimmed, inner runs of spaces folded, 1–40 characters, letters/digits/space/-/_. */
export function normaliseLabel(raw: string): string | undefined {
  const label = raw.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (label.length < 1 || [...label].length > 40) return undefined;
  return LABEL.test(label) ? label : undefined;
}

/** Milliseconds at the start of a UTC day 'YYYY-MM-DD', or undefined when it is no real day. */
export function dayStart(day: string): number | undefined {
  const m = DAY.exec(day);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (y < 1970 || back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined;
  return ms;
}

export const endOfDay = (start: number) => start + DAY_MS - 1;

export interface ParsedQuery {
  filter: InboxFilter;
  cursor: Cursor | undefined;
  /** Fields whose values were not understood and were ignored. */
  ignored: QueryField[];
}

/** Reads the query string; bad values are ignored (and listed), never thrown. */
export function parseInboxQuery(raw: unknown): ParsedQuery {
  const q = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const ignored: QueryField[] = [];
  const filter: InboxFilter = { sort: 'newest' };
  const get = (k: QueryField): string | undefined => {
    const v = firstOf(q[k])?.trim();
    if (v === undefined || v === '') return undefined;
    if (v.length > QUERY_FIELDS[k]) {
      ignored.push(k);
      return undefined;
    }
    return v;
  };
  const take = <T>(k: QueryField, ok: (v: string) => T | undefined): T | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    const out = ok(v);
    if (out === undefined) ignored.push(k);
    return out;
  };
  const status = take('status', (v) =>
    (STATUSES as readonly string[]).includes(v) ? (v as ReportStatus) : undefined,
  );
  if (status) filter.status = status;
  const channel = take('channel', (v) => (ID.test(v) ? v : undefined));
  if (channel) filter.channel = channel;
  const category = take('category', (v) => (ID.test(v) ? v : undefined));
  if (category) filter.category = category;
  const priority = take('priority', (v) =>
    (PRIORITIES as readonly number[]).includes(Number(v)) && /^\d$/.test(v) ? Number(v) : undefined,
  );
  if (priority !== undefined) filter.priority = priority;
  const assignee = take('assignee', (v) => (ID.test(v) ? v : undefined));
  if (assignee) filter.assignee = assignee;
  const deadline = take('deadline', (v) =>
    (DEADLINE_FILTERS as readonly string[]).includes(v) ? (v as DeadlineFilter) : undefined,
  );
  if (deadline) filter.deadline = deadline;
  const label = take('label', normaliseLabel);
  if (label) filter.label = label;
  const from = take('from', (v) => (dayStart(v) !== undefined ? v : undefined));
  if (from) filter.from = from;
  const to = take('to', (v) => (dayStart(v) !== undefined ? v : undefined));
  if (to) filter.to = to;
  const ref = take('ref', (v) => {
    const up = v.toUpperCase();
    return REFERENCE.test(up) ? up : undefined;
  });
  if (ref) filter.ref = ref;
  const sort = take('sort', (v) => ((SORTS as readonly string[]).includes(v) ? (v as InboxSort) : undefined));
  filter.sort = sort ?? defaultSort(filter);
  const cursor = take('after', (v) => decodeCursor(v, filter.sort));
  return { filter, cursor, ignored };
}

/** The query string of a filter (and cursor), fields in a fixed order: stable links and saved filters. */
export function inboxQueryString(f: InboxFilter, cursor?: Cursor): string {
  const p = new URLSearchParams();
  const put = (k: string, v: string | number | undefined) => {
    if (v !== undefined && v !== '') p.set(k, String(v));
  };
  put('status', f.status);
  put('channel', f.channel);
  put('category', f.category);
  put('priority', f.priority);
  put('assignee', f.assignee);
  put('deadline', f.deadline);
  put('label', f.label);
  put('from', f.from);
  put('to', f.to);
  put('ref', f.ref);
  if (f.sort !== defaultSort(f)) put('sort', f.sort);
  if (cursor) put('after', encodeCursor(cursor));
  return p.toString();
}

/**
 * Newest first, except when filtering by deadline state: then the most pressing deadline comes
 * first, which is what someone asking for "overdue" wants, and is one index range on next_due_at
 * instead of a scan of the registration order that throws most rows away.
 */
export function defaultSort(f: Pick<InboxFilter, 'deadline'>): InboxSort {
  return f.deadline ? 'due' : 'newest';
}

/** Opaque to people, checked on the way back: a tampered cursor is refused (first page instead). */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.key, c.id])).toString('base64url');
}

export function decodeCursor(text: string, sort: InboxSort): Cursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 3) return undefined;
  const [s, key, id] = value as unknown[];
  if (s !== sort || typeof id !== 'string' || !ID.test(id)) return undefined;
  if (key === null) return sort === 'due' ? { sort, key: null, id } : undefined;
  if (typeof key !== 'number' || !Number.isSafeInteger(key) || key < 0) return undefined;
  return { sort, key, id };
}

/** Whether any filter is set (the empty state then says "nothing matches" rather than "no cases"). */
export function hasFilter(f: InboxFilter): boolean {
  return Object.entries(f).some(([k, v]) => k !== 'sort' && v !== undefined);
}

/** A query string from a form field, re-read and re-written: only known, valid filters survive. */
export function cleanQuery(raw: string): ParsedQuery & { query: string } {
  const parsed = parseInboxQuery(Object.fromEntries(new URLSearchParams(raw)));
  return { ...parsed, query: inboxQueryString(parsed.filter) };
}
