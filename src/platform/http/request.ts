/**
 * Per-request state and the few helpers every route uses: cookies, language, messages, and the
 * route's access rule. Values are computed on first use, so a cached public page costs nothing extra.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../db/schema.ts';
import { type Lang, type Messages, messages, negotiateLang } from '../views/i18n/index.ts';
import { parseCookies, serializeCookie } from './cookies.ts';
import type { LoadedSession } from './sessions.ts';

/**
 * Who may use a route. 'public': anyone. 'partial': someone between password and second factor.
 * A list of roles: a fully signed-in staff member holding at least one of them; an empty list:
 * any fully signed-in staff member.
 */
export type Access = 'public' | 'partial' | readonly Role[];

export interface StaffIdentity {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  totpEnrolled: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** Set to false only for routes that take no form (JSON APIs with their own protection). */
    csrf?: boolean;
  }
  interface FastifyRequest {
    vigilCookies: Record<string, string> | undefined;
    vigilLang: Lang | undefined;
    session: LoadedSession | undefined;
    staff: StaffIdentity | undefined;
  }
}

export const LANG_COOKIE = 'vigil_lang';

export function cookiesOf(req: FastifyRequest): Record<string, string> {
  if (!req.vigilCookies) req.vigilCookies = parseCookies(req.headers.cookie);
  return req.vigilCookies;
}

export function langOf(req: FastifyRequest): Lang {
  if (!req.vigilLang) {
    const header = req.headers['accept-language'];
    req.vigilLang = negotiateLang(
      cookiesOf(req)[LANG_COOKIE],
      typeof header === 'string' ? header : undefined,
    );
  }
  return req.vigilLang;
}

export function tOf(req: FastifyRequest): Messages {
  return messages(langOf(req));
}

/** The request path without its query string (what the language switch returns to). */
export function pathOf(req: FastifyRequest): string {
  const q = req.url.indexOf('?');
  return q < 0 ? req.url : req.url.slice(0, q);
}

export function appendCookie(reply: FastifyReply, cookie: string): void {
  const existing = reply.getHeader('set-cookie');
  if (existing === undefined) reply.header('set-cookie', cookie);
  else reply.header('set-cookie', [...(Array.isArray(existing) ? existing : [String(existing)]), cookie]);
}

export { serializeCookie };

/** A same-site path to return to after sign-in or a language switch; anything else becomes the fallback. */
export function safeLocalPath(value: unknown, fallback: string, prefix = '/'): string {
  if (typeof value !== 'string' || value.length > 500) return fallback;
  if (!value.startsWith(prefix) || value.startsWith('//') || value.includes('\\')) return fallback;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters in a path
  if (/[\u0000-\u001f\u007f]/.test(value)) return fallback;
  return value;
}
