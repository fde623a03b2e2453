/**
 * The reporting channel (issue 4): the web form at /report (no JavaScript needed), the receipt and
 * the reporter's follow-up mailbox at /report/follow-up, the JSON intake API, staff intake of calls,
 * letters and visits, and the admin pages for channels, recipients and questionnaires.
 * See README.md for what this module owns and what it must never do.
 */
import type { AppContext } from '../../app-context.ts';
import type { FeatureModule } from '../feature.ts';
import { registerApiRoutes } from './api.routes.ts';
import { AttachmentStore } from './attachments.ts';
import { registerChannelAdminRoutes } from './channels.routes.ts';
import { ChannelDirectory } from './directory.ts';
import { registerFollowUpRoutes } from './followup.routes.ts';
import { IntakeService, NOTIFY_JOB } from './intake.service.ts';
import { runNotifyJob } from './notify.ts';
import { ProofOfWork } from './pow.ts';
import { PURGE_JOB, runPurgeJob } from './purge.ts';
import { createReportWriter, type ReportWriter } from './report-writer.ts';
import { registerStaffIntakeRoutes } from './staff-intake.routes.ts';
import { registerWizardRoutes } from './wizard.routes.ts';

export interface ReportsServices {
  directory: ChannelDirectory;
  intake: IntakeService;
  writer: ReportWriter;
  attachments: AttachmentStore;
  pow: ProofOfWork;
}

const services = new WeakMap<AppContext, ReportsServices>();

/** The module's services for this app, created on first use (the report writer starts a thread on SQLite). */
export function reportsOf(ctx: AppContext): ReportsServices {
  let s = services.get(ctx);
  if (!s) {
    const directory = new ChannelDirectory(ctx.db, ctx.now);
    const writer = createReportWriter(ctx.handle, ctx.config.database, {
      receipt: ctx.keys.receipt,
      linking: ctx.keys.linking,
      reporter: ctx.keys.reporter,
    });
    s = {
      directory,
      writer,
      intake: new IntakeService(ctx, directory, writer, {
        globalPerSecond: ctx.config.reports.ratePerSecond,
        globalBurst: ctx.config.reports.rateBurst,
      }),
      attachments: new AttachmentStore(ctx.config.dataDir, ctx.config.reports),
      pow: new ProofOfWork(ctx.keys.reporter, ctx.config.reports.powBits, ctx.now),
    };
    services.set(ctx, s);
  }
  return s;
}

export const reportsModule: FeatureModule = {
  name: 'reports',
  setup(ctx) {
    ctx.services.set('reports', reportsOf(ctx));
  },
  routes(app, ctx) {
    const s = reportsOf(ctx);
    s.attachments.ensure();
    app.addHook('onClose', async () => {
      await s.writer.close();
      await s.attachments.writer.close();
    });
    registerWizardRoutes(app, ctx, s);
    registerFollowUpRoutes(app, ctx, s);
    registerApiRoutes(app, ctx, s);
    registerStaffIntakeRoutes(app, ctx, s);
    registerChannelAdminRoutes(app, ctx, s);
  },
  jobs(worker, ctx) {
    worker.register(NOTIFY_JOB, (payload) => runNotifyJob(ctx, payload as { channelId: string }, worker.log));
    worker.register(PURGE_JOB, () => runPurgeJob(ctx, reportsOf(ctx)));
  },
  schedules: [{ name: 'reports.purge', kind: PURGE_JOB, intervalMs: 10 * 60_000 }],
  menu: [
    {
      href: '/admin/intake',
      label: (t) => (t.htmlLang === 'en' ? 'Record a report' : '登记举报'),
      roles: ['handler', 'supervisor'],
    },
    {
      href: '/admin/channels',
      label: (t) => (t.htmlLang === 'en' ? 'Channels' : '举报渠道'),
      roles: ['admin'],
    },
    {
      href: '/admin/questionnaires',
      label: (t) => (t.htmlLang === 'en' ? 'Questionnaires' : '举报问卷'),
      roles: ['admin'],
    },
  ],
};
