/** The back office's landing page. It grows as features arrive (cases, deadlines, statistics). */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { tOf } from '../../platform/http/request.ts';
import { html } from '../../platform/views/html.ts';
import { fill } from '../../platform/views/i18n/index.ts';

export function registerDashboardRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/admin', { config: { access: [] } }, async (req, reply) => {
    const t = tOf(req);
    const staff = req.staff!;
    const main = html`<h1>${t.admin.dashboardTitle}</h1>
<p>${fill(t.admin.welcome, { name: staff.displayName })}</p>
<h2>${t.admin.yourRoles}</h2>
<p>${staff.roles.map((r) => html`<span class="tag">${t.roles[r]}</span>`)}</p>`;
    return ctx.pages.admin(req, reply, t.admin.dashboardTitle, main);
  });
}
