import { fill, type Messages } from '../../platform/views/i18n/index.ts';
import { emailMessagesFor } from './email.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password-policy.ts';
import type { FieldProblem } from './staff.service.ts';

/** The message for a field problem, in the page's language. */
export function problemText(t: Messages, p: FieldProblem): string {
  switch (p) {
    case 'required':
      return t.forms.required;
    case 'tooLong':
      return fill(t.forms.tooLong, { max: 100 });
    case 'usernameRules':
      return t.setup.usernameRules;
    case 'usernameTaken':
      return t.setup.usernameTaken;
    case 'atLeastOneRole':
      return t.staff.atLeastOneRole;
    case 'invalidChoice':
      return t.forms.invalidChoice;
    case 'emailInvalid':
      return emailMessagesFor(t).emailInvalid;
    case 'tooShort':
      return fill(t.setup.passwordRules, { min: MIN_PASSWORD_LENGTH });
    case 'tooCommon':
      return t.setup.passwordTooCommon;
    default:
      return fill(t.forms.tooLong, { max: MAX_PASSWORD_LENGTH });
  }
}

export function problemsToErrors(
  t: Messages,
  problems: Record<string, FieldProblem>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(problems)) out[k] = problemText(t, v);
  return out;
}
