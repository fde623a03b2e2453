/**
 * Rendered public pages, kept as ready-to-send bytes with their ETag. Rendering a page costs ~10x
 * more than sending it, so each page is rendered once per language and cleared when what it shows
 * changes (settings now; posts later). Revalidation with If-None-Match gets a 304.
 */
import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

interface Entry {
  body: Buffer;
  etag: string;
  lastModified: string;
}

export class PageCache {
  private readonly entries = new Map<string, Entry>();

  clear(): void {
    this.entries.clear();
  }

  /** Sends the cached page for `key`, rendering it with `render` on a miss. */
  send(req: FastifyRequest, reply: FastifyReply, key: string, render: () => string): FastifyReply {
    let entry = this.entries.get(key);
    if (!entry) {
      const body = Buffer.from(render(), 'utf8');
      entry = {
        body,
        etag: `"${crypto.createHash('sha1').update(body).digest('base64url')}"`,
        lastModified: new Date().toUTCString(),
      };
      this.entries.set(key, entry);
    }
    reply
      .header('etag', entry.etag)
      .header('last-modified', entry.lastModified)
      .header('cache-control', 'public, max-age=0, must-revalidate')
      .header('vary', 'Cookie, Accept-Language')
      .type('text/html; charset=utf-8');
    if (req.headers['if-none-match'] === entry.etag) return reply.code(304).send();
    return reply.send(entry.body);
  }
}
