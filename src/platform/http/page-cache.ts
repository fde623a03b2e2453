/**
 * Rendered public pages, kept as ready-to-send bytes with their ETag. Rendering a page costs ~10x
 * more than sending it, so each page is rendered once per language and cleared when what it shows
 * changes (settings, posts, banners...). Revalidation with If-None-Match gets a 304.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { langOf } from './request.ts';

export interface Entry {
  body: Buffer;
  etag: string;
  lastModified: string;
}

export class PageCache {
  private readonly entries = new Map<string, Entry>();
  /**
   * The same entries by `<lang> <url>` for requests without a query string, once a route has sent
   * them: what the fast path (fast-path.ts) answers from before Fastify is involved.
   */
  private readonly byUrl = new Map<string, Entry>();
  /** Called for every cached page sent, by either path: the daily view counts hang here. */
  onServe: ((path: string) => void) | undefined;
  /** Entries currently in `entries`: a page rendered from data read before a clear() is not. */
  private held = new WeakSet<Entry>();
  /** Moves on at every clear(): a page rendered from data read before a clear is sent but not kept. */
  private generation = 0;
  /** The newest Last-Modified given out, and the floor for pages rendered after the last clear(): */
  /** a page that changed gets a later Last-Modified than any copy a client holds, even within a second. */
  private issued = 0;
  private notBefore = 0;

  clear(): void {
    this.entries.clear();
    this.byUrl.clear();
    this.held = new WeakSet();
    this.generation++;
    this.notBefore = this.issued + 1000;
  }

  private entryFor(body: string): Entry {
    const bytes = Buffer.from(body, 'utf8');
    const lastModified = Math.max(Math.floor(Date.now() / 1000) * 1000, this.notBefore);
    this.issued = Math.max(this.issued, lastModified);
    return {
      body: bytes,
      etag: `"${crypto.createHash('sha1').update(bytes).digest('base64url')}"`,
      lastModified: new Date(lastModified).toUTCString(),
    };
  }

  /** The entry the fast path may send for this URL and language, if a route has sent it before. */
  lookup(lang: string, url: string): Entry | undefined {
    return this.byUrl.get(`${lang} ${url}`);
  }

  private reply(req: FastifyRequest, reply: FastifyReply, entry: Entry): FastifyReply {
    if ((req.method === 'GET' || req.method === 'HEAD') && !req.url.includes('?')) {
      // Only entries still held (not from a render that raced a clear) are indexed.
      if (this.held.has(entry)) this.byUrl.set(`${langOf(req)} ${req.url}`, entry);
    }
    this.onServe?.(req.url.split('?')[0]!);
    reply
      .header('etag', entry.etag)
      .header('last-modified', entry.lastModified)
      .header('cache-control', 'public, max-age=0, must-revalidate')
      .header('vary', 'Cookie, Accept-Language')
      .type('text/html; charset=utf-8');
    if (notModified(req, entry)) return reply.code(304).send();
    return reply.send(entry.body);
  }

  /** Sends the cached page for `key`, rendering it with `render` on a miss. */
  send(req: FastifyRequest, reply: FastifyReply, key: string, render: () => string): FastifyReply {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.entryFor(render());
      this.entries.set(key, entry);
      this.held.add(entry);
    }
    return this.reply(req, reply, entry);
  }

  /**
   * Like send(), for pages rendered from the database. `render` returns undefined when there is no
   * such page: nothing is sent or cached, and false is returned for the caller to answer 404.
   * (It returns a boolean, not the reply: a Fastify reply is thenable, so an async function cannot
   * hand it back.)
   */
  async sendAsync(
    req: FastifyRequest,
    reply: FastifyReply,
    key: string,
    render: () => Promise<string | undefined>,
  ): Promise<boolean> {
    let entry = this.entries.get(key);
    if (!entry) {
      const generation = this.generation;
      const body = await render();
      if (body === undefined) return false;
      entry = this.entryFor(body);
      if (generation === this.generation) {
        this.entries.set(key, entry);
        this.held.add(entry);
      }
    }
    this.reply(req, reply, entry);
    return true;
  }
}

/** If-None-Match decides when present (RFC 9110 13.2.2); otherwise If-Modified-Since. */
function notModified(req: FastifyRequest, entry: Entry): boolean {
  return isNotModified(req.headers, entry);
}

export function isNotModified(headers: IncomingHttpHeaders, entry: Entry): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) return inm === entry.etag || inm.split(/\s*,\s*/).includes(entry.etag);
  const ims = headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return Number.isFinite(since) && since >= Date.parse(entry.lastModified);
}
