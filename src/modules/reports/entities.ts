/**
 * Blind indexes for linking reports without keeping plaintext (DESIGN.md): while a report's text
 * is in memory at intake, the e-mail addresses, phone numbers and web domains it names are
 * normalised and hashed under the linking key, which lives outside the database. The back office
 * can count and join reports on these digests; the readable values stay inside the sealed report.
 */
import { hmac } from '../../platform/crypto/index.ts';
import type { Answers } from './questionnaire.ts';

export interface EntityDigest {
  kind: 'email' | 'phone' | 'domain';
  digest: string;
}

const EMAIL = /[A-Za-z0-9._%+-]{1,64}@([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}/g;
const PHONE = /(?:\+|00)?\d[\d\s().-]{6,20}\d/g;
const DOMAIN = /\b(?:https?:\/\/)?((?:[a-z0-9-]{1,63}\.)+[a-z]{2,24})\b/gi;

function texts(answers: Answers, extra: string[]): string[] {
  const out = [...extra];
  for (const v of Object.values(answers)) {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) out.push(...v);
  }
  return out;
}

export function extractEntities(key: Buffer, answers: Answers, extra: string[] = []): EntityDigest[] {
  const found = new Map<string, EntityDigest>();
  const add = (kind: EntityDigest['kind'], value: string) => {
    const digest = hmac(key, `${kind}\n${value}`).toString('base64url');
    found.set(`${kind}:${digest}`, { kind, digest });
  };
  for (const text of texts(answers, extra)) {
    if (text.length > 20_000) continue;
    for (const m of text.matchAll(EMAIL)) {
      const email = m[0].toLowerCase();
      add('email', email);
      add('domain', email.slice(email.indexOf('@') + 1));
    }
    for (const m of text.matchAll(PHONE)) {
      const digits = m[0].replace(/^00/, '+').replace(/[^\d+]/g, '');
      if (digits.replace('+', '').length >= 7) add('phone', digits);
    }
    const withoutEmails = text.replace(EMAIL, ' ');
    for (const m of withoutEmails.matchAll(DOMAIN)) {
      const domain = (m[1] ?? '').toLowerCase().replace(/^www\./, '');
      if (domain.includes('.') && !/^\d+(\.\d+)+$/.test(domain)) add('domain', domain);
    }
    if (found.size > 200) break;
  }
  return [...found.values()];
}
