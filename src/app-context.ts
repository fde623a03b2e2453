/**
 * The services every module shares, built once per app from Config and a database handle.
 * Modules receive this object; nothing reaches for globals or process.env.
 */

import type { Config } from './config/index.ts';
import { SettingsService } from './modules/settings/service.ts';
import { AuditLog } from './platform/audit/audit-log.ts';
import { type KdfParams, kdfParamsForMemory, loadInstanceKey, subKey } from './platform/crypto/index.ts';
import type { DatabaseHandle, Db, Dialect } from './platform/db/index.ts';
import { EventBus } from './platform/events.ts';
import { Csrf } from './platform/http/csrf.ts';
import { PageCache } from './platform/http/page-cache.ts';
import { PageRenderer } from './platform/http/pages.ts';
import { SessionStore } from './platform/http/sessions.ts';
import { ConcurrencyGate } from './platform/http/throttle.ts';
import { JobQueue } from './platform/jobs/queue.ts';
import { Scheduler } from './platform/jobs/scheduler.ts';
import { SearchIndex } from './platform/search/index.ts';

export interface AppContext {
  config: Config;
  handle: DatabaseHandle;
  db: Db;
  dialect: Dialect;
  now: () => number;
  /** Sub-keys of the instance key, one per purpose. */
  keys: {
    csrf: Buffer;
    throttle: Buffer;
    audit: Buffer;
    /** Receipt codes: lookup hashes and the reporter's wrapping key. */
    receipt: Buffer;
    /** Blind indexes of entities named in reports (linking without plaintext). */
    linking: Buffer;
    /** Drafts, submission records and the follow-up cookie: keys derived from secrets the client holds. */
    reporter: Buffer;
    /** Seals the private half of each organisation recovery request (modules/cases/recovery.service.ts). */
    recovery: Buffer;
  };
  kdfParams: KdfParams;
  kdfGate: ConcurrencyGate;
  audit: AuditLog;
  jobs: JobQueue;
  scheduler: Scheduler;
  sessions: SessionStore;
  csrf: Csrf;
  pages: PageRenderer;
  pageCache: PageCache;
  settings: SettingsService;
  events: EventBus;
  search: SearchIndex;
  /** Feature services by name, set by each module's setup() (see modules/index.ts). */
  services: Map<string, unknown>;
  /** What /readyz reports besides the database: true while the content pack is being seeded. */
  readiness: { seeding: boolean };
}

export function createContext(
  config: Config,
  handle: DatabaseHandle,
  now: () => number = Date.now,
  onEventError: (err: unknown, event: string) => void = () => {},
): AppContext {
  const instanceKey = loadInstanceKey(config.secretKey, config.dataDir);
  const keys = {
    csrf: subKey(instanceKey, 'csrf'),
    throttle: subKey(instanceKey, 'throttle'),
    audit: subKey(instanceKey, 'audit'),
    receipt: subKey(instanceKey, 'receipt'),
    linking: subKey(instanceKey, 'linking'),
    reporter: subKey(instanceKey, 'reporter'),
    recovery: subKey(instanceKey, 'recovery'),
  };
  const { db, dialect } = handle;
  const audit = new AuditLog(db, dialect, keys.audit, now);
  const jobs = new JobQueue(db, dialect, now);
  const csrf = new Csrf(keys.csrf, config.secureCookies);
  const settings = new SettingsService(db, audit, now);
  const pageCache = new PageCache();
  settings.onChange(() => pageCache.clear());
  const events = new EventBus(onEventError);
  events.on('content.changed', () => pageCache.clear());
  return {
    config,
    handle,
    db,
    dialect,
    now,
    keys,
    kdfParams: kdfParamsForMemory(config.kdfMemoryMiB),
    kdfGate: new ConcurrencyGate(4, 32),
    audit,
    jobs,
    scheduler: new Scheduler(db, jobs, now),
    sessions: new SessionStore(
      db,
      { idleMs: config.sessionIdleMs, absoluteMs: config.sessionAbsoluteMs },
      now,
    ),
    csrf,
    pages: new PageRenderer((lang) => settings.site.orgName[lang], csrf),
    pageCache,
    settings,
    events,
    search: new SearchIndex(db, dialect),
    services: new Map(),
    readiness: { seeding: false },
  };
}
