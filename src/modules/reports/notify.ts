import type { AppContext } from '../../app-context.ts';

// STUB: to be written.
export async function runNotifyJob(_ctx: AppContext, _payload: { channelId: string }): Promise<void> {}
