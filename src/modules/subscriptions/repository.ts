/** SQL for email subscribers. No rules here: see service.ts. No address ever reaches this file in the clear. */
import type { Transaction } from 'kysely';
import type { Db } from '../../platform/db/index.ts';
import type { Database, SubscribersTable } from '../../platform/db/schema.ts';
import type { Lang } from '../../platform/views/i18n/index.ts';

type Exec = Db | Transaction<Database>;

export interface NoticePost {
  id: string;
  kind: 'post' | 'page';
  lang: Lang;
  slug: string;
  title: string;
  summary: string;
}

export class SubscriptionsRepository {
  constructor(readonly db: Db) {}

  async byEmailHash(hash: string, exec: Exec = this.db): Promise<SubscribersTable | undefined> {
    return exec.selectFrom('subscribers').selectAll().where('email_hash', '=', hash).executeTakeFirst();
  }

  async byId(id: string, exec: Exec = this.db): Promise<SubscribersTable | undefined> {
    return exec.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async byConfirmHash(hash: string): Promise<SubscribersTable | undefined> {
    return this.db.selectFrom('subscribers').selectAll().where('confirm_hash', '=', hash).executeTakeFirst();
  }

  async byUnsubscribeHash(hash: string): Promise<SubscribersTable | undefined> {
    return this.db
      .selectFrom('subscribers')
      .selectAll()
      .where('unsubscribe_hash', '=', hash)
      .executeTakeFirst();
  }

  async insert(row: SubscribersTable, exec: Exec = this.db): Promise<void> {
    await exec.insertInto('subscribers').values(row).execute();
  }

  /** A new confirmation link for a pending subscription (the old one stops working). */
  async renewPending(id: string, confirmHash: string, lang: Lang, now: number, exec: Exec): Promise<void> {
    await exec
      .updateTable('subscribers')
      .set({ confirm_hash: confirmHash, lang, created_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  }

  /** Confirms the pending subscription holding this link, if it is still fresh. Returns whether one was. */
  async confirm(confirmHash: string, notBefore: number, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('subscribers')
      .set({ status: 'confirmed', confirm_hash: null, confirmed_at: now })
      .where('confirm_hash', '=', confirmHash)
      .where('status', '=', 'pending')
      .where('created_at', '>=', notBefore)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async deleteByUnsubscribeHash(hash: string): Promise<number> {
    const r = await this.db.deleteFrom('subscribers').where('unsubscribe_hash', '=', hash).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Confirmed subscribers of one language after `afterId`, in id order (the subscribers_lang index). */
  async confirmedBatch(lang: Lang, afterId: string, limit: number): Promise<SubscribersTable[]> {
    return this.db
      .selectFrom('subscribers')
      .selectAll()
      .where('status', '=', 'confirmed')
      .where('lang', '=', lang)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** Deletes pending subscriptions nobody confirmed in time. */
  async purgePending(createdBefore: number): Promise<number> {
    const r = await this.db
      .deleteFrom('subscribers')
      .where('status', '=', 'pending')
      .where('created_at', '<', createdBefore)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async publishedPost(id: string): Promise<NoticePost | undefined> {
    const row = await this.db
      .selectFrom('posts')
      .select(['id', 'kind', 'lang', 'slug', 'pub_title', 'pub_summary'])
      .where('id', '=', id)
      .where('status', '=', 'published')
      .executeTakeFirst();
    return row
      ? {
          id: row.id,
          kind: row.kind,
          lang: row.lang,
          slug: row.slug,
          title: row.pub_title ?? '',
          summary: row.pub_summary ?? '',
        }
      : undefined;
  }
}
