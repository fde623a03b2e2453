// Placeholder: owned by a helper, replaced in this issue.
import type { AppContext } from '../../app-context.ts';

export const DEADLINES_JOB = 'cases.deadlines';
export async function runDeadlinesJob(_ctx: AppContext): Promise<void> {}
