/** The back office's landing page. It grows as features arrive (cases, deadlines, statistics). */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { tOf } from '../../platform/http/request.ts';
import { html } from '../../platform/views/html.ts';
import { fill } from '../../platform/views/i18n/index.ts';
import { caseSummary } from '../cases/summary.ts';

export function registerDashboardRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/admin', { config: { access: [] } }, async (req, reply) => {
    const t = tOf(req);
    const staff = req.staff!;
    const en = t.htmlLang === 'en';
    const s = await caseSummary(ctx, staff);
    const item = (href: string, text: string, n: number, urgent = false) =>
      html`<li${urgent && n > 0 ? html` class="urgent"` : ''}><a href="${href}">${text}</a>: <strong>${n}</strong></li>`;
    const work = html`<ul class="dashboard-counts" data-testid="dashboard-counts">
${item('/admin/notices', en ? 'Unread notices' : '未读提醒', s.unreadNotices, true)}
${s.mine ? item('/admin/cases?assignee=me', en ? 'My open cases' : '我的未结案件', s.mine.open) : ''}
${s.mine ? item('/admin/cases?assignee=me&deadline=overdue', en ? 'My cases past a deadline' : '我的逾期案件', s.mine.overdue, true) : ''}
${s.mine ? item('/admin/cases?assignee=me&deadline=due-soon', en ? 'My cases with a deadline in the next two days' : '两天内到期的我的案件', s.mine.dueSoon, true) : ''}
${s.approvalsWaiting !== undefined ? item('/admin/notices', en ? 'Approvals waiting for a second person' : '待第二人审批的事项', s.approvalsWaiting, true) : ''}
</ul>`;
    const main = html`<h1>${t.admin.dashboardTitle}</h1>
<p>${fill(t.admin.welcome, { name: staff.displayName })}</p>
${work}
<h2>${t.admin.yourRoles}</h2>
<p>${staff.roles.map((r) => html`<span class="tag">${t.roles[r]}</span>`)}</p>`;
    return ctx.pages.admin(req, reply, t.admin.dashboardTitle, main);
  });
}
