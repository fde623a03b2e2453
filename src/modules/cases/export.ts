// Placeholder: owned by a helper, replaced in this issue.
import type { AppContext } from '../../app-context.ts';

export const EXPORT_JOB = 'cases.export';
export async function runExportJob(_ctx: AppContext, _payload: { exportId: string }): Promise<void> {}
