/**
 * The fast path for cached public pages. A GET or HEAD without a query string, for a page a route
 * has already rendered and cached in this language, is answered straight from the node:http
 * listener with the same bytes and headers the route would send (security headers, ETag,
 * Last-Modified, 304s) — without Fastify's per-request routing, hooks and logger, which cost
 * about half the throughput of a page that is only bytes in memory. Anything else, and every
 * miss, goes to Fastify unchanged. Tests check the two paths answer identically.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Lang, negotiateLang } from '../views/i18n/index.ts';
import { parseCookies } from './cookies.ts';
import { type Entry, isNotModified, type PageCache } from './page-cache.ts';
import { LANG_COOKIE } from './request.ts';
import { securityHeaders } from './security-headers.ts';

export function createFastPath(cache: PageCache, secure: boolean) {
  const fixed = Object.entries(securityHeaders(secure)).flat();
  // The full header list of each entry, built once: writeHead with a flat array is the cheapest
  // way node:http offers to send headers (no per-header validation on every request).
  const headersOf = new WeakMap<Entry, { ok: string[]; notModified: string[] }>();
  const prepared = (entry: Entry) => {
    let h = headersOf.get(entry);
    if (!h) {
      const common = [
        ...fixed,
        'etag',
        entry.etag,
        'last-modified',
        entry.lastModified,
        'cache-control',
        'public, max-age=0, must-revalidate',
        'vary',
        'Cookie, Accept-Language',
        'content-type',
        'text/html; charset=utf-8',
      ];
      h = { ok: [...common, 'content-length', String(entry.body.length)], notModified: common };
      headersOf.set(entry, h);
    }
    return h;
  };
  // Browsers send a handful of distinct Accept-Language values: remember their answers (bounded).
  const byHeader = new Map<string, Lang>();
  const langFor = (header: string | undefined): Lang => {
    if (header === undefined) return negotiateLang(undefined, undefined);
    let lang = byHeader.get(header);
    if (!lang) {
      lang = negotiateLang(undefined, header);
      if (byHeader.size >= 256) byHeader.clear();
      byHeader.set(header, lang);
    }
    return lang;
  };
  return function serveFromCache(req: IncomingMessage, res: ServerResponse): boolean {
    const method = req.method;
    const url = req.url;
    if ((method !== 'GET' && method !== 'HEAD') || !url || url.length > 500 || url.includes('?'))
      return false;
    // Read the few headers needed straight from rawHeaders: touching req.headers makes node build
    // an object of every header, a measurable share of the cost of answering from memory.
    let cookie: string | undefined;
    let acceptLanguage: string | undefined;
    let conditional = false;
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === 6 && name.toLowerCase() === 'cookie') cookie = raw[i + 1];
      else if (name.length === 15 && name.toLowerCase() === 'accept-language') acceptLanguage = raw[i + 1];
      else if ((name.length === 13 || name.length === 17) && name.toLowerCase().startsWith('if-'))
        conditional = true;
    }
    const remembered = cookie?.includes(LANG_COOKIE) ? parseCookies(cookie)[LANG_COOKIE] : undefined;
    const lang = remembered ? negotiateLang(remembered, undefined) : langFor(acceptLanguage);
    const entry = cache.lookup(lang, url);
    if (!entry) return false;
    const headers = prepared(entry);
    cache.onServe?.(url);
    if (conditional && isNotModified(req.headers, entry)) {
      res.writeHead(304, headers.notModified);
      res.end();
      return true;
    }
    res.writeHead(200, headers.ok);
    res.end(method === 'HEAD' ? undefined : entry.body);
    return true;
  };
}
