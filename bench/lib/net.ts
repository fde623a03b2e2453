/** Loopback-only HTTP helpers: a free port, a single GET, and polling until a 200. */
import http from 'node:http';
import net from 'node:net';
import type { Started } from './processes.ts';

export const HOST = '127.0.0.1';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export function get(port: number, path: string, headers: Record<string, string> = {}, timeoutMs = 2000) {
  return new Promise<Got>((resolve, reject) => {
    const req = http.get({ host: HOST, port, path, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

/** Polls `path` every intervalMs until it answers 200; throws if the process exits or time runs out. */
export async function waitFor200(
  p: Started,
  port: number,
  path: string,
  { intervalMs = 5, timeoutMs = 15_000 } = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) {
      throw new Error(
        `server exited (${p.child.exitCode ?? p.child.signalCode}) before answering: ${p.stderr()}`,
      );
    }
    try {
      if ((await get(port, path, {}, 1000)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`no 200 from ${path} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
