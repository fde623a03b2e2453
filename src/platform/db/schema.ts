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
}
