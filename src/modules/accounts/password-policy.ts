/**
 * Password rules, following NIST SP 800-63B: a minimum length, no composition rules, refuse the
 * passwords attackers try first and ones built from the username. No maximum below 256.
 */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

const COMMON = new Set([
  '123456789012',
  '1234567890123',
  'password1234',
  'passwordpassword',
  'qwertyuiopas',
  'qwerty123456',
  'iloveyou1234',
  'administrator',
  'adminadmin12',
  'letmeinletmein',
  'welcome12345',
  'changeme1234',
  '111111111111',
  '000000000000',
  'abcdefghijkl',
  'abc123abc123',
  'a1b2c3d4e5f6',
  'woaini123456',
  'woainiwoaini',
  'password123!',
  'p@ssw0rd1234',
  'qazwsxedcrfv',
  '1q2w3e4r5t6y',
  'zaq12wsxcde3',
]);

export type PasswordProblem = 'tooShort' | 'tooLong' | 'tooCommon';

export function checkPassword(password: string, username: string): PasswordProblem | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return 'tooShort';
  if (length > MAX_PASSWORD_LENGTH) return 'tooLong';
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return 'tooCommon';
  if (username.length >= 3 && lower.includes(username.toLowerCase())) return 'tooCommon';
  if (new Set(lower).size <= 3) return 'tooCommon';
  return undefined;
}

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,39}$/;

export function normaliseUsername(raw: string): string {
  return raw.trim().toLowerCase();
}
