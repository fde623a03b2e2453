import type { FastifyInstance } from 'fastify';

/**
 * A strict Content-Security-Policy: scripts, styles, images and media only from this origin, no
 * inline script or style at all, no frames, forms only back to this origin. The header set is built
 * once and applied with a single loop, which costs far less per request than a generic middleware.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "manifest-src 'self'",
].join('; ');

export function securityHeaders(secure: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
    'x-dns-prefetch-control': 'off',
    'x-permitted-cross-domain-policies': 'none',
  };
  if (secure) headers['strict-transport-security'] = 'max-age=63072000; includeSubDomains';
  return headers;
}

export function registerSecurityHeaders(app: FastifyInstance, secure: boolean): void {
  const entries = Object.entries(securityHeaders(secure));
  app.addHook('onRequest', (_req, reply, done) => {
    for (const [k, v] of entries) reply.raw.setHeader(k, v);
    done();
  });
}
