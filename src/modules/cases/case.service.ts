/**
 * Reading a case: its metadata for any supervisor (to assign and share), and its content (answers,
 * files, thread, internal notes, conclusion, approvals) only for staff it was shared with, opened
 * with the keys of their session. Every read is audited with the reference and nothing else.
 * The changes to a case are in case.actions.ts.
 */
import type { AppContext } from '../../app-context.ts';
import type { Actor } from '../../platform/audit/audit-log.ts';
import { open } from '../../platform/crypto/index.ts';
import type { StaffIdentity } from '../../platform/http/request.ts';
import type { Lang } from '../../platform/views/i18n/index.ts';
import { textIn } from '../reports/followup.service.ts';
import { openMessage, type StoredAttachmentRef } from '../reports/intake.service.ts';
import type { ReportsServices } from '../reports/module.ts';
import { type Answers, summarise } from '../reports/questionnaire.ts';
import { type CaseKeys, openCaseKeys, sessionPrivateKey } from './access.ts';
import {
  type CaseRepository,
  type CaseWorker,
  type LinkRow,
  num,
  type RelatedRow,
} from './case.repository.ts';
import { ensureRecoveryWrap } from './recovery.wraps.ts';

export const noteAad = (reportId: string, noteId: string) => `report/${reportId}/note/${noteId}`;
export const conclusionAad = (reportId: string) => `report/${reportId}/conclusion`;
export const approvalAad = (reportId: string, approvalId: string) =>
  `report/${reportId}/approval/${approvalId}`;
export const fileMetaAad = (reportId: string, fileId: string) => `report/${reportId}/file/${fileId}`;

export const actorOf = (staff: StaffIdentity): Actor => ({ id: staff.id, label: staff.username });

export interface CaseMeta {
  id: string;
  reference: string;
  status: import('../../platform/db/schema.ts').ReportStatus;
  version: number;
  priority: number;
  assigneeId: string | null;
  assigneeName: string | undefined;
  channelName: string;
  questionnaireId: string;
  questionnaireVersion: number;
  questionnaireTitle: string;
  source: string;
  identityMode: string;
  registeredAt: number;
  receivedAt: number;
  ackDueAt: number | null;
  feedbackDueAt: number | null;
  nextDueAt: number | null;
  acknowledgedAt: number | null;
  firstReplyAt: number | null;
  concludedAt: number | null;
  outcome: import('../../platform/db/schema.ts').CaseOutcome | null;
  purgeAfter: number | null;
  legalHold: boolean;
  reporterAtRisk: boolean;
  protectNamed: boolean;
  labels: string[];
  links: LinkRow[];
}

export interface FileView {
  id: string;
  messageId: string | null;
  name: string;
  type: string;
  bytes: number;
}

export type TimelineItem =
  | {
      type: 'message';
      id: string;
      at: number;
      author: 'reporter' | 'staff' | 'system';
      kind: import('../../platform/db/schema.ts').MessageKind;
      staffName: string | undefined;
      text: string;
      files: FileView[];
    }
  | { type: 'note'; id: string; at: number; staffName: string | undefined; text: string }
  | { type: 'event'; at: number; actor: string; kind: string; details: Record<string, string> };

export interface ApprovalView {
  id: string;
  requestedBy: string | null;
  requestedByName: string | undefined;
  requestedAt: number;
  outcome: import('../../platform/db/schema.ts').CaseOutcome | null;
  status: string;
  reason: string;
}

export interface CaseContent {
  answers: ReturnType<typeof summarise> | undefined;
  files: FileView[];
  timeline: TimelineItem[];
  conclusion: string | undefined;
  approvals: ApprovalView[];
}

export interface CaseRead {
  meta: CaseMeta;
  /** Undefined when the case is not shared with the reader (a supervisor sees the metadata only). */
  content: CaseContent | undefined;
  /** For supervisors: who the case can go to. */
  workers: CaseWorker[];
  /** Cases naming the same e-mail address, phone number, domain...: suggestions to link (readers only). */
  related: RelatedRow[];
}

/** Opens the sealed JSON { text } of a note, an approval or a conclusion. */
export function openText(key: Buffer, sealed: Buffer | Uint8Array, aad: string): string {
  const body = JSON.parse(open(key, Buffer.from(sealed), aad).toString('utf8')) as { text?: unknown };
  return typeof body.text === 'string' ? body.text : '';
}

export class CaseReader {
  constructor(
    private readonly ctx: AppContext,
    private readonly s: ReportsServices,
    private readonly repo: CaseRepository,
  ) {}

  /** The keys of the case for this request's staff member, or undefined when not shared with them. */
  keysFor(
    staff: StaffIdentity,
    session: { secrets: { privateKey?: string } } | undefined,
    reportId: string,
  ): Promise<CaseKeys | undefined> {
    return openCaseKeys(this.ctx.db, staff.id, sessionPrivateKey(session), reportId);
  }

  /** The metadata of a case, or undefined when there is no such case. */
  async meta(reportId: string, lang: Lang): Promise<CaseMeta | undefined> {
    const row = await this.repo.meta(reportId);
    if (!row) return undefined;
    const [labels, links, snap, names] = await Promise.all([
      this.repo.labels(reportId),
      this.repo.links(reportId),
      this.s.directory.snapshot(),
      this.repo.staffNames([row.assignee_id]),
    ]);
    const q = snap.questionnaires.get(row.questionnaire_id);
    return {
      id: row.id,
      reference: row.reference,
      status: row.status,
      version: Number(row.version),
      priority: Number(row.priority),
      assigneeId: row.assignee_id,
      assigneeName: row.assignee_id ? names.get(row.assignee_id) : undefined,
      channelName: snap.channels.get(row.channel_id)?.name[lang] ?? row.channel_id,
      questionnaireId: row.questionnaire_id,
      questionnaireVersion: Number(row.questionnaire_version),
      questionnaireTitle: q?.definition.title[lang] ?? row.questionnaire_id,
      source: row.source,
      identityMode: row.identity_mode,
      registeredAt: Number(row.registered_at),
      receivedAt: Number(row.received_at),
      ackDueAt: num(row.ack_due_at),
      feedbackDueAt: num(row.feedback_due_at),
      nextDueAt: num(row.next_due_at),
      acknowledgedAt: num(row.acknowledged_at),
      firstReplyAt: num(row.first_reply_at),
      concludedAt: num(row.concluded_at),
      outcome: row.outcome,
      purgeAfter: num(row.purge_after),
      legalHold: Number(row.legal_hold) === 1,
      reporterAtRisk: Number(row.reporter_at_risk) === 1,
      protectNamed: Number(row.protect_named) === 1,
      labels,
      links,
    };
  }

  /**
   * The case as this staff member may see it, audited as a read. Undefined when there is no such
   * case; content undefined when it is not shared with them.
   */
  async read(
    staff: StaffIdentity,
    keys: CaseKeys | undefined,
    reportId: string,
    lang: Lang,
  ): Promise<CaseRead | undefined> {
    const meta = await this.meta(reportId, lang);
    if (!meta) return undefined;
    const supervisor = staff.roles.includes('supervisor');
    const [content, workers, related] = await Promise.all([
      keys ? this.content(meta, keys.contentKey, lang) : Promise.resolve(undefined),
      supervisor ? this.repo.caseWorkers(reportId) : Promise.resolve([]),
      keys ? this.repo.related(reportId, { staffId: staff.id, all: supervisor }) : Promise.resolve([]),
      // A case registered before the recovery key was set up gets its wrap when a reader opens it.
      keys ? ensureRecoveryWrap(this.ctx, this.ctx.db, reportId, keys) : Promise.resolve(false),
    ]);
    await this.ctx.audit.record({
      actor: actorOf(staff),
      action: 'case.read',
      targetType: 'report',
      targetId: reportId,
      details: { reference: meta.reference },
    });
    return { meta, content, workers, related };
  }

  private async content(meta: CaseMeta, key: Buffer, lang: Lang): Promise<CaseContent> {
    const reportId = meta.id;
    const [sealed, messageRows, noteRows, fileRows, eventRows, approvalRows, def] = await Promise.all([
      this.repo.sealedParts(reportId),
      this.repo.messages(reportId),
      this.repo.notes(reportId),
      this.repo.files(reportId),
      this.repo.events(reportId),
      this.repo.approvals(reportId),
      this.s.directory.definitionAt(meta.questionnaireId, meta.questionnaireVersion),
    ]);
    const names = await this.repo.staffNames([
      ...messageRows.map((m) => m.staff_id),
      ...noteRows.map((n) => n.staff_id),
      ...approvalRows.map((a) => a.requested_by),
    ]);

    let answers: CaseContent['answers'];
    if (sealed && def) {
      const body = JSON.parse(
        open(key, Buffer.from(sealed.sealed_answers), `report/${reportId}/answers`).toString('utf8'),
      ) as { answers: Answers };
      answers = summarise(def, body.answers, lang);
    }

    const files: FileView[] = fileRows.map((f) => {
      const meta = JSON.parse(
        open(key, Buffer.from(f.sealed_meta), fileMetaAad(reportId, f.id)).toString('utf8'),
      ) as StoredAttachmentRef['meta'];
      return { id: f.id, messageId: f.message_id, name: meta.name, type: meta.type, bytes: meta.bytes };
    });
    const filesByMessage = new Map<string, FileView[]>();
    for (const f of files) {
      if (!f.messageId) continue;
      const list = filesByMessage.get(f.messageId) ?? [];
      list.push(f);
      filesByMessage.set(f.messageId, list);
    }

    const timeline: TimelineItem[] = [];
    for (const m of messageRows) {
      const b = openMessage<{ text: unknown }>(key, reportId, m.id, Buffer.from(m.sealed_body));
      timeline.push({
        type: 'message',
        id: m.id,
        at: Number(m.created_at),
        author: m.author,
        kind: m.kind,
        staffName: m.staff_id ? names.get(m.staff_id) : undefined,
        text: textIn(b.text, lang),
        files: filesByMessage.get(m.id) ?? [],
      });
    }
    for (const n of noteRows)
      timeline.push({
        type: 'note',
        id: n.id,
        at: Number(n.created_at),
        staffName: n.staff_id ? names.get(n.staff_id) : undefined,
        text: openText(key, n.sealed_body, noteAad(reportId, n.id)),
      });
    for (const e of eventRows) {
      let details: Record<string, string> = {};
      try {
        const parsed = JSON.parse(e.details) as Record<string, unknown>;
        details = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
      } catch {
        details = {};
      }
      timeline.push({ type: 'event', at: Number(e.at), actor: e.actor_label, kind: e.kind, details });
    }
    // Stable: at equal times, messages, then notes, then events (the order pushed above).
    timeline.sort((a, b) => a.at - b.at);

    const conclusion = sealed?.sealed_conclusion
      ? openText(key, sealed.sealed_conclusion, conclusionAad(reportId))
      : undefined;
    const approvals: ApprovalView[] = approvalRows.map((a) => ({
      id: a.id,
      requestedBy: a.requested_by,
      requestedByName: a.requested_by ? names.get(a.requested_by) : undefined,
      requestedAt: Number(a.requested_at),
      outcome: a.outcome,
      status: a.status,
      reason: openText(key, a.sealed_reason, approvalAad(reportId, a.id)),
    }));
    return { answers, files, timeline, conclusion, approvals };
  }

  /** A file of the case, its name and type, and its plaintext as a stream; audited. */
  async file(
    staff: StaffIdentity,
    keys: CaseKeys,
    reportId: string,
    fileId: string,
  ): Promise<{ name: string; type: string; bytes: number; body: AsyncIterable<Buffer> } | undefined> {
    const [row, meta] = await Promise.all([this.repo.file(reportId, fileId), this.repo.meta(reportId)]);
    if (!row || !meta) return undefined;
    const m = JSON.parse(
      open(keys.contentKey, Buffer.from(row.sealed_meta), fileMetaAad(reportId, fileId)).toString('utf8'),
    ) as StoredAttachmentRef['meta'];
    await this.ctx.audit.record({
      actor: actorOf(staff),
      action: 'case.file-read',
      targetType: 'report',
      targetId: reportId,
      details: { reference: meta.reference, fileId },
    });
    return {
      name: m.name,
      type: m.type,
      bytes: m.bytes,
      body: this.s.attachments.read(fileId, keys.contentKey),
    };
  }
}
