/**
 * Asking the reporter for consent: a message of kind consent-request in their follow-up mailbox
 * and a pending case_approvals row (basis consent) in one transaction. The reporter answers in the
 * mailbox (reports/followup.consent.ts); agreeing grants the staff member who asked
 * CONSENT_GRANT_MS of access to the identity.
 */
import crypto from 'node:crypto';
import type { AppContext } from '../../app-context.ts';
import { sealMessage } from '../reports/intake.service.ts';
import { type CaseKeys, newId } from './access.ts';
import { actorOf, type IdentityProblem, sealReason, type Viewer } from './identity.service.ts';
import { recordCaseAct } from './timeline.ts';
import { DAY_MS } from './workflow.ts';

/** How long the reporter's consent lets the staff member who asked see the identity. */
export const CONSENT_GRANT_MS = 7 * DAY_MS;
/** The fixed, bilingual text of a consent request in the reporter's mailbox. */
export const CONSENT_TEXT = {
  en: 'A member of staff handling your report asks whether you agree that they may see the name and contact details you gave. If you agree, only this person can see them, for 7 days. You may also not agree: your report is followed up either way.',
  'zh-CN':
    '处理您举报的一名工作人员询问您是否同意其查看您提供的姓名和联系方式。如您同意，仅此人可在 7 天内查看。您也可以不同意：无论如何，您的举报都会得到跟进。',
};

/** Asks the reporter, in their mailbox, whether the viewer may see their identity. */
export async function askReporterConsent(
  ctx: AppContext,
  reportId: string,
  viewer: Viewer,
  keys: CaseKeys,
): Promise<{ ok: true } | { ok: false; problem: IdentityProblem }> {
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    const report = await trx
      .selectFrom('reports')
      .select(['identity_mode'])
      .where('id', '=', reportId)
      .executeTakeFirst();
    if (!report) return { ok: false as const, problem: 'not-found' as const };
    if (report.identity_mode === 'anonymous') return { ok: false as const, problem: 'anonymous' as const };
    const pending = await trx
      .selectFrom('case_approvals')
      .select('id')
      .where('report_id', '=', reportId)
      .where('kind', '=', 'identity')
      .where('basis', '=', 'consent')
      .where('requested_by', '=', viewer.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (pending) return { ok: false as const, problem: 'already-pending' as const };
    const approvalId = newId();
    const messageId = crypto.randomUUID();
    await trx
      .insertInto('case_approvals')
      .values({
        id: approvalId,
        report_id: reportId,
        kind: 'identity',
        requested_by: viewer.id,
        requested_at: now,
        sealed_reason: sealReason(keys.contentKey, reportId, approvalId, CONSENT_TEXT.en),
        outcome: null,
        status: 'pending',
        basis: 'consent',
        decided_by: null,
        decided_at: null,
      })
      .execute();
    await trx
      .updateTable('reports')
      .set((eb) => ({ updated_at: now, version: eb('version', '+', 1) }))
      .where('id', '=', reportId)
      .execute();
    await trx
      .insertInto('report_messages')
      .values({
        id: messageId,
        report_id: reportId,
        author: 'staff',
        staff_id: viewer.id,
        kind: 'consent-request',
        sealed_body: sealMessage(keys.contentKey, reportId, messageId, {
          text: CONSENT_TEXT,
          consent: approvalId,
        }),
        created_at: now,
        seen_by_reporter_at: null,
      })
      .execute();
    await recordCaseAct(ctx.audit, trx, {
      reportId,
      actor: actorOf(viewer),
      at: now,
      action: 'case.identity-requested',
      kind: 'identity-consent-asked',
      details: { approval: approvalId, basis: 'consent' },
      eventDetails: { basis: 'consent' },
    });
    return { ok: true as const };
  });
}
