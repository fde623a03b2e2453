/**
 * In-process events between modules, fired after the change they announce has committed. A module
 * that must not miss one across a restart (a notification email, say) enqueues a job instead.
 * Listener errors are logged and never fail the change that fired them.
 */
import type { Lang } from './views/i18n/index.ts';

export interface VigilEvents {
  /** Something shown on public pages changed: caches drop what they hold for it. */
  'content.changed': { kind: 'post' | 'page' | 'law' | 'guide' | 'settings' | 'media'; key?: string };
  /** A post or page went live (first time or a new revision). */
  'post.published': { id: string; lang: Lang; kind: 'post' | 'page'; firstTime: boolean };
  'post.unpublished': { id: string; lang: Lang };
}

type Listener<K extends keyof VigilEvents> = (payload: VigilEvents[K]) => void | Promise<void>;

export class EventBus {
  private readonly listeners = new Map<keyof VigilEvents, Listener<never>[]>();

  constructor(private readonly onError: (err: unknown, event: string) => void) {}

  on<K extends keyof VigilEvents>(event: K, listener: Listener<K>): void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as Listener<never>);
    this.listeners.set(event, list);
  }

  async emit<K extends keyof VigilEvents>(event: K, payload: VigilEvents[K]): Promise<void> {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        await (listener as Listener<K>)(payload);
      } catch (err) {
        this.onError(err, event);
      }
    }
  }
}
