/** A tiny browser stand-in over app.inject(): keeps cookies, finds CSRF tokens in pages, posts forms. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export class HttpClient {
  readonly cookies = new Map<string, string>();
  /** The CSRF token from the last HTML page seen. */
  csrf: string | undefined;
  lang: string | undefined;
  /** Sent with every request (a user agent, forwarding headers...). */
  headers: Record<string, string> = {};

  constructor(private readonly app: FastifyInstance) {}

  private cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private absorb(res: LightMyRequestResponse): LightMyRequestResponse {
    const set = res.headers['set-cookie'];
    for (const line of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m) this.csrf = m[1];
    return res;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader();
    return this.absorb(
      await this.app.inject({
        method: 'GET',
        url,
        headers: {
          ...(this.lang ? { 'accept-language': this.lang } : {}),
          ...(cookie ? { cookie } : {}),
          ...headers,
        },
      }),
    );
  }

  /** Posts a form like a browser would, adding the CSRF token from the last page unless one is given. */
  async postForm(
    url: string,
    fields: Record<string, string | string[]>,
    options: { csrf?: string | false } = {},
  ): Promise<LightMyRequestResponse> {
    const params = new URLSearchParams();
    const token = options.csrf === false ? undefined : (options.csrf ?? this.csrf);
    if (token) params.append('_csrf', token);
    for (const [k, v] of Object.entries(fields))
      for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
    return this.postRaw(url, params.toString());
  }

  async postRaw(
    url: string,
    body: string | Buffer,
    contentType = 'application/x-www-form-urlencoded',
  ): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader();
    return this.absorb(
      await this.app.inject({
        method: 'POST',
        url,
        payload: body,
        headers: {
          ...this.headers,
          'content-type': contentType,
          ...(this.lang ? { 'accept-language': this.lang } : {}),
          ...(cookie ? { cookie } : {}),
        },
      }),
    );
  }
}
