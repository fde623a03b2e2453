/**
 * Generated documents (feeds, the sitemap, robots.txt) kept as ready-to-send bytes with a strong
 * ETag and a Last-Modified taken from the content, not from the clock, so every node answers the
 * same validators for the same content. Conditional requests get a 304.
 *
 * - Invalidation: clear() on content changes in this process. Other nodes learn of a change within
 *   `ttlMs` (entries are regenerated after that: a few milliseconds, and the ETag stays the same when
 *   nothing changed).
 * - Concurrent misses for one key share one generation.
 * - A generation that raced with a clear() is sent but not kept.
 * - At most `maxEntries` documents; the oldest go first.
 */
import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface Generated {
  body: string;
  type: string;
  /** Milliseconds since the epoch of the newest change the document shows. */
  lastModified: number;
}

export interface CachedDocument {
  body: Buffer;
  type: string;
  etag: string;
  lastModified: string;
  lastModifiedMs: number;
  expiresAt: number;
}

/** Answered with the site's 404 page by the error handler. */
export class DocumentNotFound extends Error {
  readonly statusCode = 404;
  constructor() {
    super('no such document');
  }
}

export interface CacheHeaders {
  /** Extra headers sent with the document (CORS for feeds, say). */
  [name: string]: string;
}

export class DocumentCache {
  private readonly entries = new Map<string, CachedDocument>();
  private readonly pending = new Map<string, Promise<CachedDocument | undefined>>();
  private generation = 0;

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 1000,
  ) {}

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.pending.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** The document for `key`; undefined when `generate` says there is none (nothing is kept then). */
  async get(
    key: string,
    generate: () => Promise<Generated | undefined>,
  ): Promise<CachedDocument | undefined> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) return hit;
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const started = this.generation;
    const promise = (async () => {
      const g = await generate();
      if (!g) return undefined;
      const body = Buffer.from(g.body, 'utf8');
      const seconds = Math.floor(g.lastModified / 1000) * 1000;
      const entry: CachedDocument = {
        body,
        type: g.type,
        etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        lastModified: new Date(seconds).toUTCString(),
        lastModifiedMs: seconds,
        expiresAt: this.now() + this.ttlMs,
      };
      if (started === this.generation) {
        this.entries.delete(key);
        this.entries.set(key, entry);
        if (this.entries.size > this.maxEntries) {
          const oldest = this.entries.keys().next().value;
          if (oldest !== undefined) this.entries.delete(oldest);
        }
      }
      return entry;
    })();
    this.pending.set(key, promise);
    try {
      return await promise;
    } finally {
      if (this.pending.get(key) === promise) this.pending.delete(key);
    }
  }

  async send(
    req: FastifyRequest,
    reply: FastifyReply,
    key: string,
    generate: () => Promise<Generated | undefined>,
    headers: CacheHeaders = {},
  ): Promise<FastifyReply> {
    const entry = await this.get(key, generate);
    if (!entry) throw new DocumentNotFound();
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    reply
      .type(entry.type)
      .header('etag', entry.etag)
      .header('last-modified', entry.lastModified)
      .header('cache-control', 'public, max-age=0, must-revalidate');
    if (notModified(req, entry.etag, entry.lastModifiedMs)) return reply.code(304).send();
    return reply.send(entry.body);
  }
}

/**
 * RFC 9110 section 13.2.2: If-None-Match decides when present (weak comparison, lists, `*`);
 * otherwise If-Modified-Since with one-second resolution.
 */
export function notModified(req: FastifyRequest, etag: string, lastModifiedMs: number): boolean {
  const inm = req.headers['if-none-match'];
  if (typeof inm === 'string' && inm.length > 0) {
    if (inm.trim() === '*') return true;
    return inm
      .slice(0, 2000)
      .split(',')
      .some((tag) => tag.trim().replace(/^W\//, '') === etag);
  }
  const ims = req.headers['if-modified-since'];
  if (typeof ims === 'string' && ims.length > 0 && ims.length < 100) {
    const since = Date.parse(ims);
    if (!Number.isNaN(since)) return lastModifiedMs <= since;
  }
  return false;
}
