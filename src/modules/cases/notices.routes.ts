/**
 * /admin/notices (any signed-in staff member): their back-office notices, newest first, unread ones
 * marked, each linking to its case; POST /admin/notices/read marks one (id) or all (all=1) read.
 * unreadNoticeCount() is what the dashboard shows. Notices never hold report content
 * (staff-notices.ts), so listing them needs no case key.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { formBodySchema, readForm } from '../../platform/http/forms.ts';
import { langOf } from '../../platform/http/request.ts';
import { hiddenCsrf } from '../../platform/views/forms.ts';
import { html } from '../../platform/views/html.ts';
import { catalogue } from '../../platform/views/i18n/index.ts';
import { flashBox } from '../../platform/views/layout.ts';
import { formatMoment } from './guard.ts';
import type { NoticeDetails } from './staff-notices.ts';
import { noticeSentence } from './staff-notices.ts';

const ANY_STAFF = { access: [] as const };
const PAGE_SIZE = 100;
const READ_FIELDS = { id: 20, all: 5 };
const LIST_QUERY = {
  type: 'object',
  properties: {
    m: { type: 'string', maxLength: 20 },
    before: { type: 'string', pattern: '^[0-9]{1,15}$' },
  },
} as const;

const words = catalogue({
  en: {
    title: 'Notices',
    none: 'No notices.',
    unread: 'New',
    markRead: 'Mark read',
    markAll: 'Mark all read',
    open: 'Open the case',
    older: 'Older notices',
    gone: '(case no longer exists)',
    done: 'Marked read.',
  },
  'zh-CN': {
    title: '通知',
    none: '没有通知。',
    unread: '新',
    markRead: '标为已读',
    markAll: '全部标为已读',
    open: '打开案件',
    older: '更早的通知',
    gone: '（案件已不存在）',
    done: '已标为已读。',
  },
});

/** How many unread notices a staff member has (the dashboard shows it). */
export async function unreadNoticeCount(ctx: AppContext, staffId: string): Promise<number> {
  const row = await ctx.db
    .selectFrom('staff_notices')
    .select((e) => e.fn.countAll<number>().as('n'))
    .where('staff_id', '=', staffId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function registerNoticeRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Querystring: { m?: string; before?: string } }>(
    '/admin/notices',
    { config: ANY_STAFF, schema: { querystring: LIST_QUERY } },
    async (req, reply) => {
      const lang = langOf(req);
      const w = words(lang);
      let q = ctx.db
        .selectFrom('staff_notices as n')
        .leftJoin('reports as r', 'r.id', 'n.report_id')
        .select(['n.id', 'n.report_id', 'n.kind', 'n.details', 'n.created_at', 'n.read_at', 'r.reference'])
        .where('n.staff_id', '=', req.staff!.id);
      if (req.query.before) q = q.where('n.id', '<', Number(req.query.before));
      const rows = await q
        .orderBy('n.id', 'desc')
        .limit(PAGE_SIZE + 1)
        .execute();
      const more = rows.length > PAGE_SIZE;
      const shown = rows.slice(0, PAGE_SIZE);
      const csrf = ctx.csrf.token(req, reply);
      const item = (n: (typeof shown)[number]) => {
        let details: NoticeDetails = {};
        try {
          details = JSON.parse(n.details) as NoticeDetails;
        } catch {
          details = {};
        }
        const unread = n.read_at === null;
        const text = noticeSentence(lang, n.kind, details, n.reference ?? '—');
        return html`<li class="notice-item${unread ? ' unread' : ''}">
${unread ? html`<strong class="badge">${w.unread}</strong> ` : ''}${unread ? html`<strong>${text}</strong>` : text}
<span class="hint"> · <time>${formatMoment(lang, n.created_at)}</time></span>
${n.report_id && n.reference ? html` · <a href="/admin/cases/${n.report_id}">${w.open}</a>` : html` <span class="hint">${w.gone}</span>`}
${unread ? html`<form method="post" action="/admin/notices/read" class="inline-form">${hiddenCsrf(csrf)}<input type="hidden" name="id" value="${String(n.id)}"><button type="submit" class="secondary">${w.markRead}</button></form>` : ''}
</li>`;
      };
      const main = html`<h1>${w.title}</h1>
${req.query.m === 'read' ? flashBox({ kind: 'ok', text: w.done }) : ''}
${shown.some((n) => n.read_at === null) ? html`<form method="post" action="/admin/notices/read">${hiddenCsrf(csrf)}<input type="hidden" name="all" value="1"><button type="submit">${w.markAll}</button></form>` : ''}
${shown.length === 0 ? html`<p>${w.none}</p>` : html`<ul class="notice-list">${shown.map(item)}</ul>`}
${more ? html`<p><a href="/admin/notices?before=${String(shown[shown.length - 1]!.id)}">${w.older}</a></p>` : ''}`;
      return ctx.pages.admin(req, reply, w.title, main);
    },
  );

  app.post(
    '/admin/notices/read',
    { config: ANY_STAFF, schema: { body: formBodySchema(READ_FIELDS) }, attachValidation: true },
    async (req, reply) => {
      const form = readForm(req.body, READ_FIELDS, req.validationError !== undefined);
      const now = ctx.now();
      let q = ctx.db
        .updateTable('staff_notices')
        .set({ read_at: now })
        .where('staff_id', '=', req.staff!.id)
        .where('read_at', 'is', null);
      if (form.values.all !== '1') {
        const id = form.values.id ?? '';
        // Nothing to mark: the list again, as after marking (an unknown id is someone else's or gone).
        if (!/^[0-9]{1,15}$/.test(id)) return reply.redirect('/admin/notices', 303);
        q = q.where('id', '=', Number(id));
      }
      await q.execute();
      return reply.redirect('/admin/notices?m=read', 303);
    },
  );
}
