/**
 * The frame every change to a case runs in: one transaction that first claims the case's version
 * (optimistic concurrency: a stale form changes nothing), then writes the change, its timeline
 * event and its audit entry. A refusal found inside the transaction rolls everything back.
 */
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app-context.ts';
import type { Database, ReportStatus } from '../../platform/db/schema.ts';
import type { StaffIdentity } from '../../platform/http/request.ts';
import type { ReportsServices } from '../reports/module.ts';
import type { CaseKeys } from './access.ts';
import type { CaseProblem } from './case.messages.ts';
import type { CaseRepository, CaseRow } from './case.repository.ts';
import { actorOf } from './case.service.ts';
import { recordCaseEvent } from './timeline.ts';

export type MoveReason =
  | 'same'
  | 'fromConcluded'
  | 'useConclude'
  | 'ackFirst'
  | 'assessFirst'
  | 'assessBeforeConclude'
  | 'backToReceived'
  | 'other';

export type ActionResult =
  | { ok: true; flash: string }
  | {
      ok: false;
      problem: CaseProblem | 'bad-move';
      status: number;
      move?: MoveReason;
      /** The stage the case was in when a move was refused. */
      from?: ReportStatus;
    };

export class Refused extends Error {
  constructor(readonly result: ActionResult) {
    super('refused');
  }
}

/** Nothing to change (already so): roll back the version claim and answer as if done. */
export class Unchanged extends Error {
  constructor(readonly flash: string) {
    super('unchanged');
  }
}

export const refuse = (
  problem: CaseProblem | 'bad-move',
  status: number,
  move?: { why: MoveReason; from: ReportStatus },
): never => {
  throw new Refused({ ok: false, problem, status, ...(move ? { move: move.why, from: move.from } : {}) });
};

export interface Who {
  staff: StaffIdentity;
  keys: CaseKeys;
}

export type Trx = Transaction<Database>;

export class CaseChanges {
  constructor(
    protected readonly ctx: AppContext,
    protected readonly s: ReportsServices,
    protected readonly repo: CaseRepository,
  ) {}

  /** Claims the version, runs the change; a refusal inside rolls back. */
  protected async change(
    reportId: string,
    version: number,
    fn: (trx: Trx, row: CaseRow, now: number) => Promise<string>,
  ): Promise<ActionResult> {
    const now = this.ctx.now();
    try {
      const flash = await this.ctx.db.transaction().execute(async (trx) => {
        const claimed = await trx
          .updateTable('reports')
          .set((eb) => ({ version: eb('version', '+', 1), updated_at: now }))
          .where('id', '=', reportId)
          .where('version', '=', version)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) === 0) {
          const exists = await this.repo.meta(reportId, trx);
          refuse(exists ? 'stale' : 'gone', exists ? 409 : 404);
        }
        const row = (await this.repo.meta(reportId, trx)) as CaseRow;
        return fn(trx, row, now);
      });
      return { ok: true, flash };
    } catch (err) {
      if (err instanceof Refused) return err.result;
      if (err instanceof Unchanged) return { ok: true, flash: err.flash };
      throw err;
    }
  }

  protected audit(trx: Trx, who: Who, reportId: string, action: string, details: Record<string, unknown>) {
    return this.ctx.audit.record(
      { actor: actorOf(who.staff), action, targetType: 'report', targetId: reportId, details },
      trx,
    );
  }

  protected event(trx: Trx, who: Who, reportId: string, kind: string, at: number, details = {}) {
    return recordCaseEvent(trx, { reportId, actor: actorOf(who.staff), kind, at, details });
  }
}
