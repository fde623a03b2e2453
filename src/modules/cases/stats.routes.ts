/**
 * GET /admin/stats (handlers, supervisors, admins): volumes, median times and deadline compliance
 * over a range of months, optionally for one channel. Only non-identifying aggregates, with small
 * counts suppressed (stats.tables.ts). The computed numbers are kept 60 s per filter: counting a
 * million reports takes a few hundred milliseconds and the page is often reloaded.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { langOf, tOf } from '../../platform/http/request.ts';
import type { Lang } from '../../platform/views/i18n/index.ts';
import { reportsOf } from '../reports/module.ts';
import { caseLabels } from './labels.ts';
import {
  monthOf,
  monthsBetween,
  type StatsData,
  type StatsFilter,
  StatsRepository,
} from './stats.repository.ts';
import { compliance, countTable, suppress } from './stats.tables.ts';
import { type StatsView, statsMessages, statsPageView } from './stats.views.ts';
import { OUTCOMES } from './workflow.ts';

const QUERY = {
  type: 'object',
  properties: {
    from: { type: 'string', maxLength: 100 },
    to: { type: 'string', maxLength: 100 },
    channel: { type: 'string', maxLength: 200 },
  },
} as const;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const CACHE_MS = 60_000;
const MAX_MONTHS = 60;

type Query = { from?: string; to?: string; channel?: string };

function defaultRange(now: number): { from: string; to: string } {
  const d = new Date(now);
  return { from: monthOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 11, 1)), to: monthOf(now) };
}

export function registerStatsRoutes(app: FastifyInstance, ctx: AppContext): void {
  const repo = new StatsRepository(ctx.db, ctx.dialect);
  const cache = new Map<string, { at: number; data: Promise<StatsData> }>();
  const load = (f: StatsFilter): Promise<StatsData> => {
    const key = `${f.from}|${f.to}|${f.channelId ?? ''}`;
    const now = ctx.now();
    const hit = cache.get(key);
    if (hit && now - hit.at < CACHE_MS) return hit.data;
    if (cache.size > 200) cache.clear();
    const data = repo.load(f, now);
    cache.set(key, { at: now, data });
    data.catch(() => cache.delete(key));
    return data;
  };

  app.get<{ Querystring: Query }>(
    '/admin/stats',
    { config: { access: ['handler', 'supervisor', 'admin'] }, schema: { querystring: QUERY } },
    async (req, reply) => {
      const lang = langOf(req);
      const m = statsMessages(lang);
      const snap = await reportsOf(ctx).directory.snapshot();
      const channels = [...snap.channels.values()]
        .map((c) => ({ id: c.id, name: c.name[lang] }))
        .sort((a, b) => a.name.localeCompare(b.name));
      const defaults = defaultRange(ctx.now());
      const values = {
        from: (req.query.from ?? '').trim() || defaults.from,
        to: (req.query.to ?? '').trim() || defaults.to,
        channel: (req.query.channel ?? '').trim(),
      };
      const errors: Record<string, string> = {};
      for (const k of ['from', 'to'] as const) {
        const match = MONTH.exec(values[k]);
        if (!match || Number(match[1]) < 2000 || Number(match[1]) > 2100) errors[k] = m.errors.month;
      }
      if (!errors.from && !errors.to) {
        if (values.from > values.to) errors.to = m.errors.order;
        else if (monthsBetween(values.from, values.to).length > MAX_MONTHS) errors.from = m.errors.range;
      }
      if (values.channel && !snap.channels.has(values.channel)) errors.channel = m.errors.channel;
      const min = ctx.config.statsMinCount;
      const view: StatsView = { lang, min, values, errors, channels };
      if (Object.keys(errors).length > 0)
        return ctx.pages.admin(req, reply, m.title, statsPageView(tOf(req), view), 400);

      const data = await load({ from: values.from, to: values.to, channelId: values.channel || undefined });
      const labels = caseLabels(lang);
      const title = (qid: string) => snap.questionnaires.get(qid)?.definition.title[lang as Lang] ?? qid;
      const channelName = (id: string) => snap.channels.get(id)?.name[lang] ?? id;
      const outcomeName = (o: string) =>
        o === 'open' ? m.open : ((labels.outcome as Record<string, string>)[o] ?? o);
      view.tables = {
        channel: suppress(
          countTable(data.groups, data.months, (g) => g.channelId, channelName),
          min,
        ),
        category: suppress(
          countTable(data.groups, data.months, (g) => g.questionnaireId, title),
          min,
        ),
        outcome: suppress(
          countTable(data.groups, data.months, (g) => g.outcome ?? 'open', outcomeName, [
            'open',
            ...OUTCOMES,
          ]),
          min,
        ),
      };
      view.medians = data.medians;
      view.compliance = compliance(data.groups, min);
      return ctx.pages.admin(req, reply, m.title, statsPageView(tOf(req), view));
    },
  );
}
