/**
 * Error pages in the visitor's language. Nothing from the error (no stack, no message, no input) is
 * shown; server errors are logged with the request id, which the page shows as a support reference.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../views/html.ts';
import { fill } from '../views/i18n/index.ts';
import type { PageRenderer } from './pages.ts';
import { tOf } from './request.ts';

const KNOWN_4XX = new Set([400, 403, 404, 405, 413, 415, 429]);

export function statusOf(err: FastifyError): number {
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 413;
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 415;
  if (err.validation) return 400;
  const s = err.statusCode;
  if (typeof s === 'number' && s >= 400 && s < 500) return KNOWN_4XX.has(s) ? s : 400;
  return 500;
}

export function sendErrorPage(
  pages: PageRenderer,
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
): FastifyReply {
  const t = tOf(req);
  const e = t.errors as Record<string, string>;
  const title = e[`title${status}`] ?? t.errors.title500;
  const body = e[`body${status}`] ?? t.errors.body500;
  const extra =
    status >= 500 ? html`<p class="hint">${fill(t.errors.reference, { id: req.id })}</p>` : undefined;
  return pages.message(req, reply, status, title, body, extra);
}

export function registerErrorPages(app: FastifyInstance, pages: PageRenderer): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = statusOf(err);
    if (status >= 500) req.log.error({ err, route: req.routeOptions.url }, 'request failed');
    if (err.code === 'VIGIL_CSRF') {
      const t = tOf(req);
      return pages.message(req, reply, 403, t.errors.title403, t.errors.formExpired);
    }
    return sendErrorPage(pages, req, reply, status);
  });
  app.setNotFoundHandler((req, reply) => sendErrorPage(pages, req, reply, 404));
}
