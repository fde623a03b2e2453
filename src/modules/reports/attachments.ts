import type { ReportConfig } from '../../config/index.ts';

// STUB: to be written.
export class AttachmentStore {
  constructor(
    readonly dataDir: string,
    readonly limits: ReportConfig,
  ) {}
  ensure(): void {}
}
