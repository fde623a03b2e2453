/**
 * A real SMTP server in the test process (the smtp-server package) on 127.0.0.1, port 0: Vigil talks
 * to it over TCP exactly as it would to a relay. It records each message, decodes the parts tests
 * read (headers, subject, text body) and can be told to fail: refuse recipients for now (4xx) or
 * for good (5xx), or refuse the sign-in.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** Header names in lower case, folded lines unfolded, encoded words decoded. */
  headers: Map<string, string>;
  subject: string;
  text: string;
}

export type SinkMode = 'accept' | 'tempfail' | 'reject-all';

export class MailSink {
  readonly mails: ReceivedMail[] = [];
  mode: SinkMode = 'accept';
  /** Addresses refused for good (550), whatever the mode. */
  readonly refused = new Set<string>();
  readonly logins: { user: string; pass: string }[] = [];
  port = 0;
  private server: SMTPServer | undefined;

  async start(): Promise<number> {
    const server = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (auth, _session, cb) => {
        this.logins.push({ user: auth.username ?? '', pass: auth.password ?? '' });
        cb(null, { user: auth.username });
      },
      onRcptTo: (address, _session, cb) => {
        const rcpt = address.address.toLowerCase();
        if (this.refused.has(rcpt) || this.mode === 'reject-all') {
          return cb(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
        }
        if (this.mode === 'tempfail') {
          return cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
        }
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          this.mails.push(
            parseMail(
              raw,
              from,
              session.envelope.rcptTo.map((r) => r.address),
            ),
          );
          cb();
        });
      },
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (server.server.address() as AddressInfo).port;
    return this.port;
  }

  clear(): void {
    this.mails.length = 0;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export function parseMail(raw: string, from: string, to: string[]): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  let text = body;
  if (encoding === 'quoted-printable') text = decodeQuotedPrintable(body);
  else if (encoding === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return { from, to, raw, headers, subject: headers.get('subject') ?? '', text: text.replace(/\r\n/g, '\n') };
}

function decodeQuotedPrintable(body: string): string {
  const soft = body.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i]!;
    if (c === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (=?UTF-8?B?...?= and =?UTF-8?Q?...?=); whitespace between two words goes. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}
