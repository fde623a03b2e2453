// Placeholder: owned by a helper, replaced in this issue.
import type { AppContext } from '../../app-context.ts';

export const CASE_PURGE_JOB = 'cases.purge';
export async function runCasePurgeJob(_ctx: AppContext): Promise<void> {}
