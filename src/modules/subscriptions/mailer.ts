/**
 * Sending mail over SMTP with nodemailer, configured from VIGIL_SMTP_*. Errors are rewritten before
 * anyone sees them: an SMTP server's reply often quotes the recipient's address, and the message of
 * a failed job is stored in the jobs table and logged. What remains is the phase, nodemailer's error
 * code and the numeric SMTP reply code.
 */
import { createRequire } from 'node:module';
import type { Transporter } from 'nodemailer';

type Nodemailer = typeof import('nodemailer');
let loaded: Nodemailer | undefined;
/** nodemailer (~15 MiB resident) is loaded when the first mail goes out, not at start-up. */
function nodemailerLib(): Nodemailer {
  loaded ??= createRequire(import.meta.url)('nodemailer') as Nodemailer;
  return loaded;
}

import type { SmtpConfig } from '../../config/index.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  headers?: Record<string, string>;
}

export class MailError extends Error {
  constructor(
    message: string,
    /** The server refused this recipient for good (5xx to RCPT TO): skip them, carry on with others. */
    readonly recipientRejected: boolean,
  ) {
    super(message);
  }
}

export function sanitiseMailError(err: unknown): MailError {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; command?: unknown };
  const code = typeof e.code === 'string' && /^[A-Z_]{1,30}$/.test(e.code) ? e.code : 'EUNKNOWN';
  const reply = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const command =
    typeof e.command === 'string' && /^[A-Z ]{1,20}$/.test(e.command) ? ` during ${e.command}` : '';
  const rejected = code === 'EENVELOPE' && reply !== undefined && reply >= 500 && reply < 600;
  return new MailError(`SMTP send failed: ${code}${reply ? ` ${reply}` : ''}${command}`, rejected);
}

export interface MailSession {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export class Mailer {
  constructor(private readonly smtp: SmtpConfig) {}

  get from(): string {
    return this.smtp.from;
  }

  /** A connection for one message, or a pooled one reused across a batch (`pooled`). */
  open(pooled = false): MailSession {
    const s = this.smtp;
    const options = {
      host: s.host,
      port: s.port,
      secure: s.tls === 'tls',
      requireTLS: s.tls === 'starttls',
      ignoreTLS: s.tls === 'none',
      ...(s.user ? { auth: { user: s.user, pass: s.password ?? '' } } : {}),
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
      logger: false,
      debug: false,
      disableFileAccess: true,
      disableUrlAccess: true,
      ...(pooled ? { pool: true as const, maxConnections: 1, maxMessages: 100 } : {}),
    };
    const transport: Transporter = nodemailerLib().createTransport(options);
    return {
      send: async (mail) => {
        try {
          await transport.sendMail({
            from: s.from,
            to: mail.to,
            subject: mail.subject,
            text: mail.text,
            headers: mail.headers,
            disableFileAccess: true,
            disableUrlAccess: true,
          });
        } catch (err) {
          throw sanitiseMailError(err);
        }
      },
      close: () => transport.close(),
    };
  }
}
