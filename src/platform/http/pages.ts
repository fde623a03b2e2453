/**
 * Sends whole pages: picks the language, fills the shared layout (public or back office) and sets
 * the headers every HTML response needs. Back-office pages are never cached anywhere.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../db/schema.ts';
import { html, type SafeHtml } from '../views/html.ts';
import type { Lang, Messages } from '../views/i18n/index.ts';
import { layout, type StaffChrome } from '../views/layout.ts';
import type { Csrf } from './csrf.ts';
import { langOf, pathOf, tOf } from './request.ts';

export interface MenuEntry {
  href: string;
  label: (t: Messages) => string;
  /** Roles that see this entry; empty: every signed-in staff member. */
  roles: readonly Role[];
}

export class PageRenderer {
  private readonly menu: MenuEntry[] = [];

  constructor(
    private readonly siteName: (lang: Lang) => string,
    private readonly csrf: Csrf,
  ) {}

  addMenuEntry(entry: MenuEntry): void {
    this.menu.push(entry);
  }

  /** A public page, or a back-office page for someone not (fully) signed in. */
  public(
    req: FastifyRequest,
    reply: FastifyReply,
    title: string,
    main: SafeHtml,
    status = 200,
  ): FastifyReply {
    const lang = langOf(req);
    const body = layout({ lang, t: tOf(req), title, path: pathOf(req), siteName: this.siteName(lang) }, main);
    if (pathOf(req).startsWith('/admin')) reply.header('cache-control', 'no-store');
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('vary', 'Cookie, Accept-Language')
      .send(body);
  }

  /** A page inside the back office, with its menu and the sign-out form. */
  admin(req: FastifyRequest, reply: FastifyReply, title: string, main: SafeHtml, status = 200): FastifyReply {
    const staff = req.staff;
    if (!staff) return this.public(req, reply, title, main, status);
    const t = tOf(req);
    const lang = langOf(req);
    const path = pathOf(req);
    const chrome: StaffChrome = {
      displayName: staff.displayName,
      csrf: this.csrf.token(req, reply),
      menu: this.menu
        .filter((m) => m.roles.length === 0 || m.roles.some((r) => staff.roles.includes(r)))
        .map((m) => ({
          href: m.href,
          label: m.label(t),
          current: m.href === '/admin' ? path === '/admin' : path === m.href || path.startsWith(`${m.href}/`),
        })),
    };
    const body = layout({ lang, t, title, path, siteName: this.siteName(lang) }, main, chrome);
    return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
  }

  /** A plain message page (errors, confirmations) in the right chrome. */
  message(
    req: FastifyRequest,
    reply: FastifyReply,
    status: number,
    title: string,
    text: string,
    extra?: SafeHtml,
  ): FastifyReply {
    const t = tOf(req);
    const main = html`<h1>${title}</h1><p>${text}</p>${extra ?? ''}<p><a href="${req.staff ? '/admin' : '/'}">${req.staff ? t.admin.dashboardTitle : t.errors.backHome}</a></p>`;
    return req.staff
      ? this.admin(req, reply, title, main, status)
      : this.public(req, reply, title, main, status);
  }
}
