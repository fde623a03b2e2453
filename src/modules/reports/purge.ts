import type { AppContext } from '../../app-context.ts';
import type { ReportsServices } from './module.ts';

export const PURGE_JOB = 'reports.purge';

// STUB: to be written.
export async function runPurgeJob(_ctx: AppContext, _s: ReportsServices): Promise<void> {}
