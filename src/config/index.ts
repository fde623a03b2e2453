import path from 'node:path';
import { z } from 'zod';

/**
 * Everything Vigil reads from the environment, validated once at start-up.
 * Nothing else in the code base reads process.env: pass Config down instead.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  VIGIL_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().optional(),
  VIGIL_ROLE: z.enum(['web', 'worker', 'all']).default('all'),
  VIGIL_PUBLIC_URL: z.url().optional(),
  VIGIL_SECRET_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes as unpadded base64url (43 characters)')
    .optional(),
  VIGIL_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(1440).default(30),
  VIGIL_SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).max(168).default(12),
  VIGIL_KDF_MEMORY_MIB: z.coerce.number().int().min(1).max(1024).default(64),
  VIGIL_SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  VIGIL_TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info'),
  // Outgoing mail (email subscriptions). Without VIGIL_SMTP_HOST no mail is sent and /subscribe says so.
  VIGIL_SMTP_HOST: z.string().max(255).optional(),
  VIGIL_SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  VIGIL_SMTP_TLS: z.enum(['none', 'starttls', 'tls']).default('starttls'),
  VIGIL_SMTP_USER: z.string().max(255).optional(),
  VIGIL_SMTP_PASSWORD: z.string().max(1024).optional(),
  VIGIL_SMTP_FROM: z.string().max(320).optional(),
  VIGIL_MEDIA_MAX_IMAGE_MB: z.coerce.number().int().min(1).max(200).default(20),
  VIGIL_MEDIA_MAX_VIDEO_MB: z.coerce.number().int().min(1).max(20_480).default(200),
  // The reporting channel.
  VIGIL_REPORT_MAX_FILE_MB: z.coerce.number().int().min(1).max(2048).default(25),
  VIGIL_REPORT_MAX_FILES: z.coerce.number().int().min(0).max(50).default(10),
  VIGIL_REPORT_POW_BITS: z.coerce.number().int().min(0).max(28).default(16),
  VIGIL_REPORT_RATE_PER_SECOND: z.coerce.number().min(0.1).max(100_000).default(20),
  VIGIL_REPORT_RATE_BURST: z.coerce.number().int().min(1).max(1_000_000).default(200),
  // Statistics: counts below this are shown as "< n" and not drawn (small numbers can identify people).
  VIGIL_STATS_MIN_COUNT: z.coerce.number().int().min(1).max(1000).default(5),
});

export type DatabaseConfig =
  | { kind: 'sqlite'; file: string; synchronous: 'FULL' | 'NORMAL' }
  | { kind: 'postgres'; url: string };

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseConfig;
  role: 'web' | 'worker' | 'all';
  publicUrl: string;
  /** Cookies get the Secure flag when the public address is https. */
  secureCookies: boolean;
  /** The instance secret from the environment; when absent it is kept in a file in dataDir. */
  secretKey: string | undefined;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  kdfMemoryMiB: number;
  trustProxy: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** Outgoing mail; undefined when VIGIL_SMTP_HOST is not set. */
  smtp: SmtpConfig | undefined;
  /** Largest image upload accepted (before re-encoding). */
  mediaMaxImageBytes: number;
  /** Largest video upload accepted; videos are streamed to disk, never held in memory. */
  mediaMaxVideoBytes: number;
  reports: ReportConfig;
  /** Statistics show counts below this as "< n" and never draw them. */
  statsMinCount: number;
}

export interface ReportConfig {
  /** Largest single attachment, in bytes. */
  maxFileBytes: number;
  /** Most attachments per report (and per follow-up message). */
  maxFiles: number;
  /** Leading zero bits the proof-of-work asks of browsers with JavaScript (0 turns it off). */
  powBits: number;
  /** Reports per second this node takes from the public across all channels, and the burst above it. */
  ratePerSecond: number;
  rateBurst: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.VIGIL_DATA_DIR);
  const database = parseDatabaseUrl(e.DATABASE_URL, dataDir, e.VIGIL_SQLITE_SYNCHRONOUS);
  const publicUrl = (e.VIGIL_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database,
    role: e.VIGIL_ROLE,
    publicUrl,
    secureCookies: publicUrl.startsWith('https://'),
    secretKey: e.VIGIL_SECRET_KEY,
    sessionIdleMs: e.VIGIL_SESSION_IDLE_MINUTES * 60_000,
    sessionAbsoluteMs: e.VIGIL_SESSION_ABSOLUTE_HOURS * 3_600_000,
    kdfMemoryMiB: e.VIGIL_KDF_MEMORY_MIB,
    trustProxy: e.VIGIL_TRUST_PROXY === 'true',
    logLevel: e.LOG_LEVEL,
    smtp: parseSmtp(e, publicUrl),
    mediaMaxImageBytes: e.VIGIL_MEDIA_MAX_IMAGE_MB * 1024 * 1024,
    mediaMaxVideoBytes: e.VIGIL_MEDIA_MAX_VIDEO_MB * 1024 * 1024,
    reports: {
      maxFileBytes: e.VIGIL_REPORT_MAX_FILE_MB * 1024 * 1024,
      maxFiles: e.VIGIL_REPORT_MAX_FILES,
      powBits: e.VIGIL_REPORT_POW_BITS,
      ratePerSecond: e.VIGIL_REPORT_RATE_PER_SECOND,
      rateBurst: e.VIGIL_REPORT_RATE_BURST,
    },
    statsMinCount: e.VIGIL_STATS_MIN_COUNT,
  };
}

function parseDatabaseUrl(
  url: string | undefined,
  dataDir: string,
  synchronous: 'FULL' | 'NORMAL',
): DatabaseConfig {
  if (!url || url.trim() === '') {
    return { kind: 'sqlite', file: path.join(dataDir, 'vigil.sqlite'), synchronous };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return { kind: 'postgres', url };
  }
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    return { kind: 'sqlite', file: file === ':memory:' ? file : path.resolve(file), synchronous };
  }
  throw new ConfigError(
    'Invalid configuration:\n  DATABASE_URL: must start with postgres://, postgresql:// or sqlite:',
  );
}

export interface SmtpConfig {
  host: string;
  port: number;
  /** none: plain SMTP (a relay on the same host); starttls: upgrade, required; tls: TLS from the start. */
  tls: 'none' | 'starttls' | 'tls';
  user: string | undefined;
  /** Not enumerable: serialising the config (a log line, JSON) never shows it. */
  readonly password: string | undefined;
  /** The From header: `address` or `Name <address>`. */
  from: string;
}

const FROM_PATTERN = /^(?:[^<>\r\n]{0,200}<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/;

function parseSmtp(e: z.infer<typeof envSchema>, publicUrl: string): SmtpConfig | undefined {
  const host = e.VIGIL_SMTP_HOST?.trim();
  if (!host) return undefined;
  const from = e.VIGIL_SMTP_FROM?.trim() || `no-reply@${new URL(publicUrl).hostname}`;
  if (!FROM_PATTERN.test(from)) {
    throw new ConfigError(
      'Invalid configuration:\n  VIGIL_SMTP_FROM: must be an address or "Name <address>"',
    );
  }
  const smtp = {
    host,
    port:
      e.VIGIL_SMTP_PORT ?? (e.VIGIL_SMTP_TLS === 'tls' ? 465 : e.VIGIL_SMTP_TLS === 'starttls' ? 587 : 25),
    tls: e.VIGIL_SMTP_TLS,
    user: e.VIGIL_SMTP_USER || undefined,
    from,
  } as SmtpConfig;
  Object.defineProperty(smtp, 'password', {
    value: e.VIGIL_SMTP_PASSWORD || undefined,
    enumerable: false,
    writable: false,
  });
  return smtp;
}
