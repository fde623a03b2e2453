/**
 * Drafts of the web report form. A partly filled report lives server-side in report_drafts, sealed
 * under a key derived from a random token that only the reporter's cookie holds: the row's id is a
 * keyed hash of the token and the state opens only with the token, so neither a stolen database
 * nor anyone without the cookie can read what was typed. A draft lives at most DRAFT_TTL_MS from
 * the moment it was started (never extended), then it is gone with its files.
 *
 * The draft also holds the report's content key from the start: attachments are sealed under it as
 * they stream in, and it becomes the report's content key at submission.
 */
import type { FastifyRequest } from 'fastify';
import { clientSecretKeys, newDataKey, open, randomToken, seal } from '../../platform/crypto/index.ts';
import type { Db } from '../../platform/db/index.ts';
import type { IdentityMode } from '../../platform/db/schema.ts';
import { cookiesOf } from '../../platform/http/request.ts';
import type { Lang } from '../../platform/views/i18n/index.ts';
import type { StoredAttachmentRef } from './intake.service.ts';
import type { Answers } from './questionnaire.ts';

export const DRAFT_COOKIE = 'vigil_report';
export const DRAFT_TTL_MS = 3_600_000;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface DraftFile {
  /** The question (by id) the file was attached under; the report's files are one flat list. */
  question: string;
  ref: StoredAttachmentRef;
}

export interface DraftState {
  questionnaireId: string;
  /** The questionnaire version shown when the draft began: answers are checked against it. */
  version: number;
  /** The furthest page the reporter may open: steps 0..n-1, then identity (n), then review (n+1). */
  reached: number;
  answers: Answers;
  identity: { mode: IdentityMode; name: string; contact: string };
  files: DraftFile[];
  /** base64url of the report's content key. */
  contentKey: string;
  lang: Lang;
  /** The proof-of-work challenge shown on the review page: a solved one is good for this draft only. */
  challenge?: string;
}

export interface Draft {
  token: string;
  id: string;
  key: Buffer;
  state: DraftState;
  createdAt: number;
  expiresAt: number;
  /** The sealed bytes as read: the compare-and-set of update() uses them. */
  sealed: Buffer;
}

export type DraftLookup = { draft: Draft } | { missing: 'none' | 'expired' };

/** The draft token the browser sent, when it looks like one. */
export function draftToken(req: FastifyRequest): string | undefined {
  const token = cookiesOf(req)[DRAFT_COOKIE];
  return token && TOKEN.test(token) ? token : undefined;
}

export function contentKeyOf(draft: Draft): Buffer {
  return Buffer.from(draft.state.contentKey, 'base64url');
}

export class DraftStore {
  constructor(
    private readonly db: Db,
    private readonly reporterKey: Buffer,
    private readonly now: () => number,
    /** Removes the stored files of a draft that is thrown away (expired or restarted). */
    private readonly discardFiles: (ids: string[]) => Promise<void>,
  ) {}

  private keys(token: string): { id: string; key: Buffer } {
    return clientSecretKeys(this.reporterKey, token);
  }

  private sealState(id: string, key: Buffer, state: DraftState): Buffer {
    return seal(key, Buffer.from(JSON.stringify(state), 'utf8'), `report-draft/${id}`);
  }

  async create(init: Omit<DraftState, 'contentKey' | 'reached' | 'files'>): Promise<Draft> {
    const token = randomToken(32);
    const { id, key } = this.keys(token);
    const now = this.now();
    const state: DraftState = {
      ...init,
      reached: 0,
      files: [],
      contentKey: newDataKey().toString('base64url'),
    };
    const sealed = this.sealState(id, key, state);
    await this.db
      .insertInto('report_drafts')
      .values({ id, sealed_state: sealed, created_at: now, updated_at: now, expires_at: now + DRAFT_TTL_MS })
      .execute();
    return { token, id, key, state, createdAt: now, expiresAt: now + DRAFT_TTL_MS, sealed };
  }

  /** The live draft of this token; an expired or unreadable one is deleted and reported missing. */
  async load(token: string | undefined): Promise<DraftLookup> {
    if (!token || !TOKEN.test(token)) return { missing: 'none' };
    const { id, key } = this.keys(token);
    const row = await this.db
      .selectFrom('report_drafts')
      .select(['sealed_state', 'created_at', 'expires_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return { missing: 'none' };
    const sealed = Buffer.from(row.sealed_state);
    let state: DraftState;
    try {
      state = JSON.parse(open(key, sealed, `report-draft/${id}`).toString('utf8')) as DraftState;
    } catch {
      await this.db.deleteFrom('report_drafts').where('id', '=', id).execute();
      return { missing: 'none' };
    }
    if (row.expires_at <= this.now()) {
      await this.discard({ id, state });
      return { missing: 'expired' };
    }
    return { draft: { token, id, key, state, createdAt: row.created_at, expiresAt: row.expires_at, sealed } };
  }

  /**
   * Changes a draft with a compare-and-set on its sealed bytes, so two requests of the same draft
   * (two tabs, an upload racing a click) never lose each other's changes: the loser reloads and
   * applies its change again. `change` must be a pure function of the state it is given.
   */
  async update(draft: Draft, change: (s: DraftState) => DraftState): Promise<Draft | undefined> {
    let current = draft;
    for (let attempt = 0; attempt < 5; attempt++) {
      const state = change(structuredClone(current.state));
      const sealed = this.sealState(current.id, current.key, state);
      const r = await this.db
        .updateTable('report_drafts')
        .set({ sealed_state: sealed, updated_at: this.now() })
        .where('id', '=', current.id)
        .where('sealed_state', '=', current.sealed)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) return { ...current, state, sealed };
      const again = await this.load(current.token);
      if (!('draft' in again)) return undefined;
      current = again.draft;
    }
    return undefined;
  }

  /** Deletes a submitted draft: its files now belong to the report. */
  async remove(draft: Draft): Promise<void> {
    await this.db.deleteFrom('report_drafts').where('id', '=', draft.id).execute();
  }

  /** Deletes an abandoned draft and its files. */
  async discard(draft: Pick<Draft, 'id' | 'state'>): Promise<void> {
    await this.db.deleteFrom('report_drafts').where('id', '=', draft.id).execute();
    await this.discardFiles(draft.state.files.map((f) => f.ref.id));
  }
}
