import { assetUrl } from './assets.ts';
import { html, type SafeHtml } from './html.ts';
import type { Lang, Messages } from './i18n/index.ts';

export interface PageChrome {
  lang: Lang;
  t: Messages;
  title: string;
  /** The request path, so the language switch comes back to the same page. */
  path: string;
  /** The organisation's name in this language (from settings). */
  siteName: string;
  /** Extra tags for <head>: canonical and alternate links, Open Graph. */
  head?: SafeHtml;
}

export interface StaffChrome {
  displayName: string;
  /** Back-office menu entries this person may open. */
  menu: { href: string; label: string; current: boolean }[];
  csrf: string;
}

export interface Flash {
  kind: 'ok' | 'error' | 'info';
  text: string;
}

function languageSwitch(c: PageChrome): SafeHtml {
  const target = c.t.common.switchToLang;
  const href = `/lang/${target}?next=${encodeURIComponent(c.path)}`;
  return html`<a class="lang-switch" href="${href}" hreflang="${target}" lang="${target}" aria-label="${c.t.common.switchToLabel}">${c.t.common.switchTo}</a>`;
}

export function flashBox(flash: Flash | undefined): SafeHtml {
  if (!flash) return html``;
  const role = flash.kind === 'error' ? 'alert' : 'status';
  return html`<div class="flash flash-${flash.kind}" role="${role}">${flash.text}</div>`;
}

/** The public site's menu: the home page, then what people come for. */
function publicNav(t: Messages): [string, string][] {
  return [
    ['/', t.common.home],
    ['/report', t.common.navReport],
    ['/guides', t.common.navLearn],
    ['/law', t.common.navLaw],
    ['/posts', t.common.navPosts],
    ['/search', t.common.navSearch],
  ];
}

function isCurrent(path: string, href: string): boolean {
  return href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
}

/** The one page shell shared by the public site and the back office. */
export function layout(c: PageChrome, main: SafeHtml, staff?: StaffChrome): string {
  const t = c.t;
  const nav = staff
    ? html`<nav class="admin-nav" aria-label="${t.admin.adminMenu}"><ul>${staff.menu.map(
        (m) =>
          html`<li><a href="${m.href}"${m.current ? html` aria-current="page"` : ''}>${m.label}</a></li>`,
      )}</ul>
      <form method="post" action="/admin/sign-out" class="inline-form"><input type="hidden" name="_csrf" value="${staff.csrf}"><button type="submit" class="link-button">${t.auth.signOut}</button></form></nav>`
    : html`<nav class="site-nav" aria-label="${t.common.mainMenu}"><ul>${publicNav(t).map(
        ([href, label]) =>
          html`<li><a href="${href}"${isCurrent(c.path, href) ? html` aria-current="page"` : ''}>${label}</a></li>`,
      )}</ul></nav>`;
  return `<!doctype html>${html`<html lang="${t.htmlLang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${c.title} · ${c.siteName}</title>
<link rel="stylesheet" href="${assetUrl('app.css')}">
<link rel="icon" href="${assetUrl('favicon.svg')}" type="image/svg+xml">
${
  staff
    ? ''
    : html`<link rel="alternate" type="application/rss+xml" href="/${c.lang}/feed.xml" title="${c.siteName} RSS">
<link rel="alternate" type="application/atom+xml" href="/${c.lang}/feed.atom" title="${c.siteName} Atom">`
}
${c.head ?? ''}
</head>
<body class="${staff ? 'backoffice' : 'public'}">
<a class="skip-link" href="#main">${t.common.skipToContent}</a>
<header class="site-header">
<div class="bar">
<a class="brand" href="${staff ? '/admin' : '/'}">${c.siteName}${staff ? html` <span class="brand-sub">${t.common.backOffice}</span>` : ''}</a>
${languageSwitch(c)}
</div>
${nav}
</header>
<main id="main" tabindex="-1">
${main}
</main>
<footer class="site-footer">
<p>${t.common.footerPrivacy}</p>
${
  staff
    ? ''
    : html`<p class="follow"><a href="/subscribe">${t.common.subscribe}</a> · <a href="/${c.lang}/feed.xml">RSS</a> · <a href="/${c.lang}/feed.atom">Atom</a> · <a href="/${c.lang}/feed.json">JSON Feed</a></p>
<p><a href="/admin/sign-in">${t.common.staffSignIn}</a></p>`
}
</footer>
</body>
</html>`}`;
}
