/**
 * A staff member's e-mail address: optional, where notices of new reports go (notices never carry
 * report content). Checked for shape only; nothing is sent to confirm it.
 */
import { catalogue, type Lang } from '../../platform/views/i18n/index.ts';

export const EMAIL_MAX = 254;
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$/;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** '' → null (no address); a plausible address → itself, trimmed; anything else → undefined. */
export function normaliseEmail(raw: string): string | null | undefined {
  const s = raw.trim();
  if (s === '') return null;
  if (s.length > EMAIL_MAX) return undefined;
  const at = s.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1).toLowerCase();
  if (!LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..'))
    return undefined;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || !/[a-z]/.test(labels.at(-1)!))
    return undefined;
  return `${local}@${domain}`;
}

const en = {
  email: 'E-mail address',
  emailHint:
    'Optional. Notices of new reports for the channels this person receives go here; they never contain report content.',
  emailInvalid: 'Enter an e-mail address like name@example.org, or leave the field empty.',
  saveEmail: 'Save e-mail address',
  emailSaved: 'E-mail address saved.',
  noEmail: 'None',
};
const zhCN: typeof en = {
  email: '电子邮箱',
  emailHint: '可不填。此人作为接收人的渠道收到新举报时，通知会发送到这里；通知中不含任何举报内容。',
  emailInvalid: '请输入形如 name@example.org 的电子邮箱地址，或留空。',
  saveEmail: '保存电子邮箱',
  emailSaved: '电子邮箱已保存。',
  noEmail: '无',
};

export const emailMessages = catalogue({ en, 'zh-CN': zhCN });

/** The accounts views get the shared catalogue; its htmlLang says which language it is. */
export function emailMessagesFor(t: { htmlLang: string }) {
  return emailMessages((t.htmlLang === 'en' ? 'en' : 'zh-CN') as Lang);
}
