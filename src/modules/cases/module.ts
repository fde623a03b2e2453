/**
 * The back office's case work (issue 5): the inbox at /admin/cases, the case page, need-to-know
 * sharing, the ISO 37002 workflow with four-eyes approvals, deadlines and reminders, the sealed
 * identity and its reveal, protection checklists, retention and purge, exports, statistics and the
 * organisation recovery key. Kept apart from the intake path (modules/reports), as SecureDrop keeps
 * its journalist app apart from its source app. See README.md.
 */
import type { FeatureModule } from '../feature.ts';
import { registerCaseRoutes } from './case.routes.ts';
import { DEADLINES_JOB, runDeadlinesJob } from './deadlines.ts';
import { EXPORT_JOB, runExportJob } from './export.ts';
import { registerIdentityRoutes } from './identity.routes.ts';
import { registerInboxRoutes } from './inbox.routes.ts';
import { registerNoticeRoutes } from './notices.routes.ts';
import { registerPdfRoutes } from './pdf.routes.ts';
import { registerProtectionRoutes } from './protection.routes.ts';
import { CASE_PURGE_JOB, runCasePurgeJob } from './purge.ts';
import { registerRecoveryRoutes } from './recovery.routes.ts';
import { registerRetentionRoutes } from './retention.routes.ts';
import { registerStatsRoutes } from './stats.routes.ts';

export const casesModule: FeatureModule = {
  name: 'cases',
  routes(app, ctx) {
    registerInboxRoutes(app, ctx);
    registerCaseRoutes(app, ctx);
    registerIdentityRoutes(app, ctx);
    registerProtectionRoutes(app, ctx);
    registerRetentionRoutes(app, ctx);
    registerNoticeRoutes(app, ctx);
    registerStatsRoutes(app, ctx);
    registerRecoveryRoutes(app, ctx);
    registerPdfRoutes(app, ctx);
  },
  jobs(worker, ctx) {
    worker.register(DEADLINES_JOB, () => runDeadlinesJob(ctx));
    worker.register(CASE_PURGE_JOB, () => runCasePurgeJob(ctx));
    worker.register(EXPORT_JOB, (payload) => runExportJob(ctx, payload as { exportId: string }));
  },
  schedules: [
    { name: 'cases.deadlines', kind: DEADLINES_JOB, intervalMs: 15 * 60_000 },
    { name: 'cases.purge', kind: CASE_PURGE_JOB, intervalMs: 60 * 60_000 },
  ],
  menu: [
    {
      href: '/admin/cases',
      label: (t) => (t.htmlLang === 'en' ? 'Cases' : '案件'),
      roles: ['handler', 'supervisor'],
    },
    {
      href: '/admin/notices',
      label: (t) => (t.htmlLang === 'en' ? 'Notices' : '提醒'),
      roles: [],
    },
    {
      href: '/admin/stats',
      label: (t) => (t.htmlLang === 'en' ? 'Statistics' : '统计'),
      roles: ['handler', 'supervisor', 'admin'],
    },
    {
      href: '/admin/recovery',
      label: (t) => (t.htmlLang === 'en' ? 'Key recovery' : '密钥恢复'),
      roles: ['supervisor', 'admin'],
    },
    {
      href: '/admin/retention',
      label: (t) => (t.htmlLang === 'en' ? 'Retention' : '保存期限'),
      roles: ['admin'],
    },
  ],
};
