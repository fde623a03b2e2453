/**
 * Row types of every table, shared by both dialects. Times are integer milliseconds since the
 * epoch (bigint columns; the pg driver is told to return them as numbers), flags are 0/1
 * integers, JSON is text, and binary data is a Buffer (blob in SQLite, bytea in PostgreSQL).
 */
import type { Generated } from 'kysely';

export type Role = 'admin' | 'editor' | 'reviewer' | 'handler' | 'supervisor';
export const ROLES: readonly Role[] = ['admin', 'editor', 'reviewer', 'handler', 'supervisor'];

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface StaffTable {
  id: string;
  username: string;
  display_name: string;
  status: 'invited' | 'active' | 'disabled';
  password_salt: Buffer | null;
  password_verifier: Buffer | null;
  kdf_params: string | null;
  /** Sealed under the password-derived wrapping key: a stolen database does not reveal it. */
  totp_secret_sealed: Buffer | null;
  totp_last_step: number | null;
  created_at: number;
  updated_at: number;
  last_signin_at: number | null;
  version: number;
  /** Where notices about new reports go; notices never carry report content. */
  email: string | null;
}

export interface StaffRolesTable {
  staff_id: string;
  role: Role;
}

export interface StaffKeysTable {
  id: string;
  staff_id: string;
  public_key: Buffer;
  /** The X25519 private key, sealed under the password-derived wrapping key. Never stored in the clear. */
  wrapped_private_key: Buffer;
  status: 'active' | 'retired';
  created_at: number;
  retired_at: number | null;
}

export interface OneTimeTokensTable {
  /** SHA-256 of the token: the token itself is only ever in the link. */
  id: string;
  purpose: 'first-admin' | 'setup' | 'reset';
  staff_id: string | null;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface SessionsTable {
  /** SHA-256 of the session token held in the cookie. */
  id: string;
  staff_id: string;
  stage: 'totp' | 'totp-enrol' | 'full';
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  /** Session secrets (the private key, and before the second factor the wrapping key) sealed under a key only the cookie holds. */
  sealed_secrets: Buffer;
}

export interface ThrottlesTable {
  /** A keyed hash of what is throttled (an account name, a receipt code): never an address. */
  key: string;
  failures: number;
  window_started_at: number;
  blocked_until: number;
}

export interface AuditLogTable {
  seq: Generated<number>;
  at: number;
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  payload: string;
  status: 'queued' | 'running' | 'done' | 'parked';
  run_at: number;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface SchedulesTable {
  name: string;
  kind: string;
  payload: string;
  interval_ms: number;
  next_run_at: number;
}

export interface Database {
  settings: SettingsTable;
  staff: StaffTable;
  staff_roles: StaffRolesTable;
  staff_keys: StaffKeysTable;
  one_time_tokens: OneTimeTokensTable;
  sessions: SessionsTable;
  throttles: ThrottlesTable;
  audit_log: AuditLogTable;
  jobs: JobsTable;
  schedules: SchedulesTable;
  media: MediaTable;
  posts: PostsTable;
  post_revisions: PostRevisionsTable;
  post_tags: PostTagsTable;
  laws: LawsTable;
  law_articles: LawArticlesTable;
  guides: GuidesTable;
  search_docs: SearchDocsTable;
  page_views: PageViewsTable;
  subscribers: SubscribersTable;
  report_channels: ReportChannelsTable;
  channel_recipients: ChannelRecipientsTable;
  questionnaires: QuestionnairesTable;
  questionnaire_versions: QuestionnaireVersionsTable;
  reports: ReportsTable;
  report_key_wraps: ReportKeyWrapsTable;
  report_messages: ReportMessagesTable;
  report_files: ReportFilesTable;
  report_entities: ReportEntitiesTable;
  report_drafts: ReportDraftsTable;
  report_submissions: ReportSubmissionsTable;
  case_labels: CaseLabelsTable;
  case_links: CaseLinksTable;
  case_events: CaseEventsTable;
  case_notes: CaseNotesTable;
  case_approvals: CaseApprovalsTable;
  identity_grants: IdentityGrantsTable;
  case_checklist: CaseChecklistTable;
  case_reminders: CaseRemindersTable;
  staff_notices: StaffNoticesTable;
  retention_rules: RetentionRulesTable;
  case_statistics: CaseStatisticsTable;
  saved_filters: SavedFiltersTable;
  case_exports: CaseExportsTable;
  recovery_keys: RecoveryKeysTable;
  recovery_shares: RecoverySharesTable;
  report_recovery_wraps: ReportRecoveryWrapsTable;
  recovery_requests: RecoveryRequestsTable;
  recovery_approvals: RecoveryApprovalsTable;
}

export interface MediaTable {
  id: string;
  kind: 'image' | 'video' | 'captions';
  mime: string;
  bytes: number;
  width: number | null;
  height: number | null;
  duration_ms: number | null;
  lang: string | null;
  parent_id: string | null;
  alt_en: string;
  alt_zh: string;
  /** JSON: [{ name, width, height, mime, bytes }] */
  variants: string;
  created_by: string | null;
  created_at: number;
}

export type PostStatus = 'draft' | 'published' | 'unpublished';
export type ReviewState = 'none' | 'in_review' | 'approved' | 'changes_requested';

export interface PostsTable {
  id: string;
  kind: 'post' | 'page';
  lang: 'zh-CN' | 'en';
  slug: string;
  translation_group: string;
  status: PostStatus;
  current_revision_id: string;
  published_revision_id: string | null;
  review_state: ReviewState;
  submitted_by: string | null;
  submitted_at: number | null;
  reviewed_by: string | null;
  reviewed_at: number | null;
  review_note: string | null;
  publish_at: number | null;
  first_published_at: number | null;
  published_at: number | null;
  pinned: number;
  pub_title: string | null;
  pub_summary: string | null;
  pub_html: string | null;
  pub_cover_media_id: string | null;
  pub_video_media_id: string | null;
  pub_series: string | null;
  pub_report_topic: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
  version: number;
}

export interface PostRevisionsTable {
  id: string;
  post_id: string;
  n: number;
  title: string;
  summary: string;
  body_md: string;
  cover_media_id: string | null;
  video_media_id: string | null;
  /** JSON array of tag slugs. */
  tags: string;
  series: string | null;
  report_topic: string | null;
  created_by: string;
  created_at: number;
}

export interface PostTagsTable {
  post_id: string;
  tag: string;
}

export interface LawsTable {
  slug: string;
  title_en: string;
  title_zh: string;
  summary_en: string;
  summary_zh: string;
  position: number;
  updated_at: number;
}

export interface LawArticlesTable {
  law_slug: string;
  slug: string;
  chapter_no: number;
  chapter_title_en: string;
  chapter_title_zh: string;
  article_no: number;
  /** A short heading ("Ways to report"); empty when none was given (migration 0005). */
  title_en: string;
  title_zh: string;
  text_en: string;
  text_zh: string;
  note_en: string;
  note_zh: string;
  /** JSON array of topic slugs. */
  topics: string;
  updated_at: number;
}

export interface GuidesTable {
  slug: string;
  audience: 'citizens' | 'company-staff' | 'researchers' | 'travellers';
  title_en: string;
  title_zh: string;
  intro_en: string;
  intro_zh: string;
  /** JSON arrays of strings. */
  red_flags_en: string;
  red_flags_zh: string;
  what_to_do_en: string;
  what_to_do_zh: string;
  report_topic: string;
  position: number;
  updated_at: number;
}

export interface SearchDocsTable {
  key: string;
  kind: 'post' | 'page' | 'law' | 'guide';
  lang: 'zh-CN' | 'en';
  title: string;
  body: string;
  url: string;
  terms: string;
  updated_at: number;
}

export interface PageViewsTable {
  day: string;
  path: string;
  views: number;
}

export interface SubscribersTable {
  id: string;
  email_hash: string;
  email_sealed: Buffer;
  lang: 'zh-CN' | 'en';
  status: 'pending' | 'confirmed';
  confirm_hash: string | null;
  unsubscribe_hash: string;
  created_at: number;
  confirmed_at: number | null;
}

// ---- The reporting channel (migration 0007). Every text or file a reporter gave is sealed. ----

export type ChannelStatus = 'open' | 'closed';

export interface ReportChannelsTable {
  id: string;
  name_en: string;
  name_zh: string;
  description_en: string;
  description_zh: string;
  /** Only an open channel with at least one recipient who holds a key takes reports from the public. */
  status: ChannelStatus;
  /** Days to acknowledge a report, and to give the reporter feedback (EU Directive defaults 7 and 90). */
  ack_days: number;
  feedback_days: number;
  /** Reports per minute this channel accepts from the public, across all reporters. */
  max_per_minute: number;
  position: number;
  created_at: number;
  updated_at: number;
  version: number;
}

export interface ChannelRecipientsTable {
  channel_id: string;
  staff_id: string;
  added_at: number;
}

export type QuestionnaireKind = 'report' | 'self-disclosure' | 'complaint';

export interface QuestionnairesTable {
  id: string;
  channel_id: string;
  kind: QuestionnaireKind;
  /** JSON array of topic slugs ("report this" links use /report?topic=<slug>). */
  topics: string;
  position: number;
  status: 'active' | 'retired';
  current_version: number;
  created_at: number;
  updated_at: number;
}

export interface QuestionnaireVersionsTable {
  questionnaire_id: string;
  version: number;
  /** JSON of a QuestionnaireDefinition (modules/reports/questionnaire.ts). Never edited: a change is a new version. */
  definition: string;
  created_at: number;
  created_by: string | null;
}

export type ReportSource = 'web' | 'api' | 'messaging' | 'phone' | 'letter' | 'walk-in' | 'referral';
export const REPORT_SOURCES: readonly ReportSource[] = [
  'web',
  'api',
  'messaging',
  'phone',
  'letter',
  'walk-in',
  'referral',
];
export type IdentityMode = 'anonymous' | 'confidential' | 'named';
export type ReportStatus = 'received' | 'acknowledged' | 'assessing' | 'addressing' | 'concluded';

export interface ReportsTable {
  id: string;
  /** A short reference for staff and letters; not the receipt, and no way back into the report. */
  reference: string;
  channel_id: string;
  questionnaire_id: string;
  questionnaire_version: number;
  kind: QuestionnaireKind;
  source: ReportSource;
  identity_mode: IdentityMode;
  status: ReportStatus;
  /** When Vigil registered the report (first-reporter rules depend on it). */
  registered_at: number;
  /** When the report was made: the same for web intake; the call or letter time for staff intake. */
  received_at: number;
  intake_staff_id: string | null;
  /** The report's ephemeral X25519 public key: each recipient's wrap key is derived from it. */
  ephemeral_public: Buffer;
  /** The answers, sealed under the report's content key. */
  sealed_answers: Buffer;
  /** The reporter's identity and contact details, sealed under a separate identity key. */
  sealed_identity: Buffer | null;
  /** Keyed hash of the receipt code: finds the report from the code, reveals nothing without the instance key. */
  receipt_lookup: string | null;
  /** The content key sealed under a key derived from the receipt code: the reporter reads replies with it. */
  receipt_wrapped_key: Buffer | null;
  file_count: number;
  last_reporter_activity_at: number;
  updated_at: number;
  version: number;
  // The case kept beside the report (migration 0008).
  assignee_id: string | null;
  /** 1 low, 2 normal, 3 high, 4 urgent. */
  priority: number;
  ack_due_at: number | null;
  feedback_due_at: number | null;
  /** The next deadline still to meet (acknowledgement, then feedback); null once concluded. */
  next_due_at: number | null;
  acknowledged_at: number | null;
  first_reply_at: number | null;
  concluded_at: number | null;
  outcome: CaseOutcome | null;
  /** The written reason for the outcome, sealed under the content key (AAD report/<id>/conclusion). */
  sealed_conclusion: Buffer | null;
  /** When the retention period ends; null while the case is open. */
  purge_after: number | null;
  legal_hold: number;
  reporter_at_risk: number;
  protect_named: number;
}

export type CaseOutcome =
  | 'substantiated'
  | 'unsubstantiated'
  | 'insufficient-information'
  | 'referred'
  | 'duplicate'
  | 'out-of-scope'
  | 'false-or-malicious';

export interface CaseLabelsTable {
  report_id: string;
  label: string;
  registered_at: number;
}

export interface CaseLinksTable {
  report_id: string;
  linked_id: string;
  created_by: string | null;
  created_at: number;
}

export interface CaseEventsTable {
  id: Generated<number>;
  report_id: string;
  at: number;
  actor_id: string | null;
  actor_label: string;
  kind: string;
  /** JSON of non-identifying facts only. */
  details: string;
}

export interface CaseNotesTable {
  id: string;
  report_id: string;
  staff_id: string | null;
  /** JSON { text } sealed under the content key (AAD report/<id>/note/<noteId>). */
  sealed_body: Buffer;
  created_at: number;
}

export type ApprovalKind = 'conclusion' | 'identity';
export type ApprovalStatus = 'pending' | 'approved' | 'refused' | 'withdrawn';

export interface CaseApprovalsTable {
  id: string;
  report_id: string;
  kind: ApprovalKind;
  requested_by: string | null;
  requested_at: number;
  /** JSON { text } sealed under the content key (AAD report/<id>/approval/<approvalId>). */
  sealed_reason: Buffer;
  outcome: CaseOutcome | null;
  status: ApprovalStatus;
  basis: 'four-eyes' | 'consent' | null;
  decided_by: string | null;
  decided_at: number | null;
}

export interface IdentityGrantsTable {
  id: string;
  report_id: string;
  staff_id: string;
  approval_id: string | null;
  basis: 'four-eyes' | 'consent';
  granted_at: number;
  expires_at: number;
}

export type ProtectionFlag = 'reporter-at-risk' | 'protect-named';

export interface CaseChecklistTable {
  report_id: string;
  flag: ProtectionFlag;
  item: string;
  done_by: string | null;
  done_at: number;
}

export interface CaseRemindersTable {
  report_id: string;
  kind: string;
  due_at: number;
  sent_at: number;
}

export interface StaffNoticesTable {
  id: Generated<number>;
  staff_id: string;
  report_id: string | null;
  kind: string;
  details: string;
  created_at: number;
  read_at: number | null;
}

export interface RetentionRulesTable {
  outcome: CaseOutcome;
  days: number;
  updated_at: number;
  version: number;
}

export interface CaseStatisticsTable {
  id: Generated<number>;
  channel_id: string;
  questionnaire_id: string;
  kind: string;
  source: string;
  registered_day: number;
  ack_due_at: number | null;
  feedback_due_at: number | null;
  acknowledged_after_ms: number | null;
  first_reply_after_ms: number | null;
  concluded_after_ms: number | null;
  ack_met: number | null;
  feedback_met: number | null;
  outcome: string | null;
  purged_at: number;
}

export interface SavedFiltersTable {
  id: string;
  staff_id: string;
  name: string;
  /** The inbox's query string. */
  query: string;
  created_at: number;
}

export interface CaseExportsTable {
  id: string;
  staff_id: string;
  query: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  rows_done: number;
  rows_total: number | null;
  created_at: number;
  finished_at: number | null;
}

export interface RecoveryKeysTable {
  id: string;
  public_key: Buffer;
  threshold: number;
  share_count: number;
  status: 'active' | 'retired';
  created_by: string | null;
  created_at: number;
}

export interface RecoverySharesTable {
  key_id: string;
  staff_id: string;
  share_index: number;
  staff_key_id: string;
  sealed_share: Buffer;
}

export interface ReportRecoveryWrapsTable {
  report_id: string;
  key_id: string;
  wrapped_content_key: Buffer;
  wrapped_identity_key: Buffer | null;
  created_at: number;
}

export interface RecoveryRequestsTable {
  id: string;
  key_id: string;
  target_staff_id: string;
  requested_by: string | null;
  reason: string;
  status: 'pending' | 'completed' | 'cancelled';
  request_public: Buffer;
  sealed_request_private: Buffer;
  created_at: number;
  completed_at: number | null;
}

export interface RecoveryApprovalsTable {
  request_id: string;
  staff_id: string;
  sealed_share: Buffer;
  approved_at: number;
}

export interface ReportKeyWrapsTable {
  report_id: string;
  /** The staff key (staff_keys.id) this wrap opens with. */
  key_id: string;
  staff_id: string;
  wrapped_content_key: Buffer;
  /** The identity key, wrapped apart; null when the report has no identity to seal. */
  wrapped_identity_key: Buffer | null;
  created_at: number;
}

export type MessageAuthor = 'reporter' | 'staff' | 'system';
/** consent-request: staff ask the reporter to agree to their identity being seen (cases/identity.service.ts). */
export type MessageKind = 'acknowledgement' | 'message' | 'question' | 'answer' | 'consent-request';

export interface ReportMessagesTable {
  id: string;
  report_id: string;
  author: MessageAuthor;
  staff_id: string | null;
  kind: MessageKind;
  /** JSON { text, replyTo? } sealed under the report's content key. */
  sealed_body: Buffer;
  created_at: number;
  seen_by_reporter_at: number | null;
}

export interface ReportFilesTable {
  id: string;
  report_id: string;
  message_id: string | null;
  /** JSON { name, type, bytes, removed[] } sealed under the report's content key. */
  sealed_meta: Buffer;
  /** Size of the sealed file on disk. */
  stored_bytes: number;
  created_at: number;
}

export interface ReportEntitiesTable {
  report_id: string;
  /** email | phone | domain | organisation | code */
  kind: string;
  /** HMAC of the normalised value under the linking key (kept outside the database). */
  digest: string;
}

export interface ReportDraftsTable {
  /** Keyed hash of the draft token; the token and the key that opens the state are only in the cookie. */
  id: string;
  sealed_state: Buffer;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

export interface ReportSubmissionsTable {
  /** Keyed hash of the submission key (the draft token, or an API client's Idempotency-Key). */
  id: string;
  report_id: string;
  /** The receipt code and reference, sealed under a key derived from the submission key. */
  sealed_receipt: Buffer;
  created_at: number;
  expires_at: number;
}
