/**
 * The reporter's identity stays sealed under its own key even for staff the case is shared with.
 * It opens only for someone holding an unexpired identity_grants row, got either by a written
 * request approved by a supervisor other than the requester (four eyes, IDENTITY_GRANT_MS), or by
 * the reporter's own consent given in the follow-up mailbox (CONSENT_GRANT_MS). Every request,
 * decision and view is audited and on the timeline; reasons are sealed under the content key and
 * never copied into the audit log, the timeline or notices.
 */
import type { AppContext } from '../../app-context.ts';
import type { Actor } from '../../platform/audit/audit-log.ts';
import { open, seal } from '../../platform/crypto/index.ts';
import type { ApprovalStatus, IdentityMode } from '../../platform/db/schema.ts';
import { type CaseKeys, newId } from './access.ts';
import { askReporterConsent, CONSENT_GRANT_MS } from './identity.consent.ts';
import { settleIdentityRequest } from './identity.grants.ts';
import { addNotices, supervisorIds } from './staff-notices.ts';
import { recordCaseAct } from './timeline.ts';

/** How long a four-eyes approval lets the requester see the identity. */
export const IDENTITY_GRANT_MS = 24 * 3_600_000;
export { CONSENT_GRANT_MS };
export const REASON_MIN = 10;
export const REASON_MAX = 2000;

export const approvalAad = (reportId: string, approvalId: string) =>
  `report/${reportId}/approval/${approvalId}`;
export const identityAad = (reportId: string) => `report/${reportId}/identity`;

export interface Viewer {
  id: string;
  username: string;
  roles: readonly string[];
}

export interface IdentityRequestView {
  id: string;
  basis: 'four-eyes' | 'consent';
  status: ApprovalStatus;
  requestedBy: string | null;
  requesterName: string;
  requestedAt: number;
  deciderName: string | undefined;
  decidedAt: number | null;
  reason: string;
}

export interface GrantView {
  id: string;
  staffId: string;
  staffName: string;
  basis: 'four-eyes' | 'consent';
  grantedAt: number;
  expiresAt: number;
}

export interface IdentityPage {
  reportId: string;
  reference: string;
  mode: IdentityMode;
  /** The viewer's wrap holds the identity key (a report with an identity always has one for its recipients). */
  keyHeld: boolean;
  /** Shown only while the viewer holds a grant; every time it is, the view is audited. */
  identity: { name?: string; contact?: string } | undefined;
  ownGrant: GrantView | undefined;
  grants: GrantView[];
  requests: IdentityRequestView[];
}

export type IdentityProblem =
  | 'anonymous'
  | 'already-granted'
  | 'already-pending'
  | 'not-found'
  | 'not-pending'
  | 'own-request'
  | 'not-supervisor';

export const actorOf = (v: Viewer): Actor => ({ id: v.id, label: v.username });

export class IdentityService {
  constructor(private readonly ctx: AppContext) {}

  async page(reportId: string, viewer: Viewer, keys: CaseKeys): Promise<IdentityPage | undefined> {
    const db = this.ctx.db;
    const now = this.ctx.now();
    const report = await db
      .selectFrom('reports')
      .select(['reference', 'identity_mode', 'sealed_identity'])
      .where('id', '=', reportId)
      .executeTakeFirst();
    if (!report) return undefined;
    const grantRows = await db
      .selectFrom('identity_grants as g')
      .innerJoin('staff as s', 's.id', 'g.staff_id')
      .select(['g.id', 'g.staff_id', 's.display_name', 'g.basis', 'g.granted_at', 'g.expires_at'])
      .where('g.report_id', '=', reportId)
      .where('g.expires_at', '>', now)
      .orderBy('g.granted_at', 'desc')
      .execute();
    const grants: GrantView[] = grantRows.map((g) => ({
      id: g.id,
      staffId: g.staff_id,
      staffName: g.display_name,
      basis: g.basis,
      grantedAt: g.granted_at,
      expiresAt: g.expires_at,
    }));
    const approvals = await db
      .selectFrom('case_approvals as a')
      .leftJoin('staff as r', 'r.id', 'a.requested_by')
      .leftJoin('staff as d', 'd.id', 'a.decided_by')
      .select([
        'a.id',
        'a.basis',
        'a.status',
        'a.requested_by',
        'a.requested_at',
        'a.decided_at',
        'a.sealed_reason',
        'r.display_name as requester',
        'd.display_name as decider',
      ])
      .where('a.report_id', '=', reportId)
      .where('a.kind', '=', 'identity')
      .orderBy('a.requested_at', 'desc')
      .orderBy('a.id')
      .limit(100)
      .execute();
    const requests = approvals.map((a) => ({
      id: a.id,
      basis: a.basis === 'consent' ? ('consent' as const) : ('four-eyes' as const),
      status: a.status,
      requestedBy: a.requested_by,
      requesterName: a.requester ?? '—',
      requestedAt: a.requested_at,
      deciderName: a.decider ?? undefined,
      decidedAt: a.decided_at,
      reason: openReason(keys.contentKey, reportId, a.id, Buffer.from(a.sealed_reason)),
    }));
    const ownGrant = grants.find((g) => g.staffId === viewer.id);
    let identity: IdentityPage['identity'];
    if (ownGrant && keys.identityKey && report.sealed_identity && report.identity_mode !== 'anonymous') {
      const body = JSON.parse(
        open(keys.identityKey, Buffer.from(report.sealed_identity), identityAad(reportId)).toString('utf8'),
      ) as { name?: unknown; contact?: unknown };
      identity = {
        ...(typeof body.name === 'string' && body.name ? { name: body.name } : {}),
        ...(typeof body.contact === 'string' && body.contact ? { contact: body.contact } : {}),
      };
      await db.transaction().execute(async (trx) => {
        await recordCaseAct(this.ctx.audit, trx, {
          reportId,
          actor: actorOf(viewer),
          at: now,
          action: 'case.identity-read',
          kind: 'identity-read',
          details: { basis: ownGrant.basis },
          eventDetails: { basis: ownGrant.basis },
        });
      });
    }
    return {
      reportId,
      reference: report.reference,
      mode: report.identity_mode,
      keyHeld: keys.identityKey !== undefined,
      identity,
      ownGrant,
      grants,
      requests,
    };
  }

  /** A written request to see the identity; supervisors other than the requester are told. */
  async request(
    reportId: string,
    viewer: Viewer,
    keys: CaseKeys,
    reason: string,
  ): Promise<{ ok: true; approvalId: string } | { ok: false; problem: IdentityProblem }> {
    const now = this.ctx.now();
    return this.ctx.db.transaction().execute(async (trx) => {
      const report = await trx
        .selectFrom('reports')
        .select(['identity_mode'])
        .where('id', '=', reportId)
        .executeTakeFirst();
      if (!report) return { ok: false as const, problem: 'not-found' as const };
      if (report.identity_mode === 'anonymous') return { ok: false as const, problem: 'anonymous' as const };
      const granted = await trx
        .selectFrom('identity_grants')
        .select('id')
        .where('report_id', '=', reportId)
        .where('staff_id', '=', viewer.id)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (granted) return { ok: false as const, problem: 'already-granted' as const };
      const pending = await trx
        .selectFrom('case_approvals')
        .select('id')
        .where('report_id', '=', reportId)
        .where('kind', '=', 'identity')
        .where('basis', '=', 'four-eyes')
        .where('requested_by', '=', viewer.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (pending) return { ok: false as const, problem: 'already-pending' as const };
      const approvalId = newId();
      await trx
        .insertInto('case_approvals')
        .values({
          id: approvalId,
          report_id: reportId,
          kind: 'identity',
          requested_by: viewer.id,
          requested_at: now,
          sealed_reason: sealReason(keys.contentKey, reportId, approvalId, reason),
          outcome: null,
          status: 'pending',
          basis: 'four-eyes',
          decided_by: null,
          decided_at: null,
        })
        .execute();
      await addNotices(trx, await supervisorIds(trx, viewer.id), reportId, 'approval-needed', {}, now);
      await recordCaseAct(this.ctx.audit, trx, {
        reportId,
        actor: actorOf(viewer),
        at: now,
        action: 'case.identity-requested',
        kind: 'identity-requested',
        details: { approval: approvalId, basis: 'four-eyes' },
        eventDetails: { basis: 'four-eyes' },
      });
      return { ok: true as const, approvalId };
    });
  }

  /** A supervisor other than the requester approves or refuses a pending four-eyes request. */
  async decide(
    reportId: string,
    approvalId: string,
    viewer: Viewer,
    approve: boolean,
  ): Promise<{ ok: true } | { ok: false; problem: IdentityProblem }> {
    if (!viewer.roles.includes('supervisor')) return { ok: false, problem: 'not-supervisor' };
    const now = this.ctx.now();
    return this.ctx.db.transaction().execute(async (trx) => {
      const settled = await settleIdentityRequest(trx, {
        reportId,
        approvalId,
        basis: 'four-eyes',
        approve,
        decidedBy: viewer.id,
        now,
        grantMs: IDENTITY_GRANT_MS,
      });
      if (!settled.ok) return settled;
      const status = approve ? 'approved' : 'refused';
      if (settled.requestedBy)
        await addNotices(trx, [settled.requestedBy], reportId, 'identity-decided', { status }, now);
      await recordCaseAct(this.ctx.audit, trx, {
        reportId,
        actor: actorOf(viewer),
        at: now,
        action: approve ? 'case.identity-approved' : 'case.identity-refused',
        kind: approve ? 'identity-approved' : 'identity-refused',
        details: { approval: approvalId, basis: 'four-eyes' },
        eventDetails: { basis: 'four-eyes' },
      });
      return { ok: true as const };
    });
  }

  /** Asks the reporter, in their mailbox, whether the viewer may see their identity (identity.consent.ts). */
  askConsent(reportId: string, viewer: Viewer, keys: CaseKeys) {
    return askReporterConsent(this.ctx, reportId, viewer, keys);
  }

  /** Ends a grant early: the grantee themself, or a supervisor. */
  async revoke(
    reportId: string,
    grantId: string,
    viewer: Viewer,
  ): Promise<{ ok: true } | { ok: false; problem: IdentityProblem }> {
    const now = this.ctx.now();
    return this.ctx.db.transaction().execute(async (trx) => {
      const g = await trx
        .selectFrom('identity_grants')
        .select(['staff_id', 'basis'])
        .where('id', '=', grantId)
        .where('report_id', '=', reportId)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (!g) return { ok: false as const, problem: 'not-found' as const };
      if (g.staff_id !== viewer.id && !viewer.roles.includes('supervisor'))
        return { ok: false as const, problem: 'not-supervisor' as const };
      await trx.updateTable('identity_grants').set({ expires_at: now }).where('id', '=', grantId).execute();
      await recordCaseAct(this.ctx.audit, trx, {
        reportId,
        actor: actorOf(viewer),
        at: now,
        action: 'case.identity-revoked',
        kind: 'identity-revoked',
        details: { grant: grantId, basis: g.basis, own: g.staff_id === viewer.id },
        eventDetails: { basis: g.basis },
      });
      return { ok: true as const };
    });
  }
}

export function sealReason(contentKey: Buffer, reportId: string, approvalId: string, text: string): Buffer {
  return seal(contentKey, Buffer.from(JSON.stringify({ text })), approvalAad(reportId, approvalId));
}

function openReason(contentKey: Buffer, reportId: string, approvalId: string, sealed: Buffer): string {
  try {
    const body = JSON.parse(open(contentKey, sealed, approvalAad(reportId, approvalId)).toString('utf8')) as {
      text?: unknown;
    };
    return typeof body.text === 'string' ? body.text : '';
  } catch {
    return '';
  }
}
