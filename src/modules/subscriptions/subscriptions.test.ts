import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../config/index.ts';
import { sanitiseMailError } from './mailer.ts';
import { parseEmail } from './service.ts';

describe('subscription helpers', () => {
  it('accepts ordinary addresses and normalises the domain', () => {
    assert.deepEqual(parseEmail('  Reader.One+news@Example.ORG '), {
      address: 'Reader.One+news@example.org',
      key: 'reader.one+news@example.org',
    });
    assert.ok(parseEmail('a@例子.中国'));
    for (const bad of [
      '',
      'plain',
      '@example.org',
      'a@',
      'a@b',
      'a b@example.org',
      'a@example..org',
      'a@-x.org',
      '.a@example.org',
      'a..b@example.org',
      'a@example.123',
      'a@exa mple.org',
      `${'x'.repeat(65)}@example.org`,
      'a\r\nBcc: x@example.org',
      '"quoted"@example.org',
      'a@[127.0.0.1]',
    ]) {
      assert.equal(parseEmail(bad), undefined, JSON.stringify(bad));
    }
  });

  it('keeps nothing from an SMTP error but codes', () => {
    const err = Object.assign(
      new Error(
        "Can't send mail - all recipients were rejected: 550 5.1.1 <victim@example.org>: no such user",
      ),
      {
        code: 'EENVELOPE',
        responseCode: 550,
        response: '550 5.1.1 <victim@example.org>: no such user',
        command: 'RCPT TO',
      },
    );
    const clean = sanitiseMailError(err);
    assert.equal(clean.message, 'SMTP send failed: EENVELOPE 550 during RCPT TO');
    assert.equal(clean.recipientRejected, true);
    assert.equal(
      sanitiseMailError(Object.assign(new Error('x'), { code: 'ECONNECTION' })).recipientRejected,
      false,
    );
    assert.equal(sanitiseMailError('weird').message, 'SMTP send failed: EUNKNOWN');
  });

  it('reads SMTP settings from the environment and never serialises the password', () => {
    assert.equal(loadConfig({}).smtp, undefined);
    const c = loadConfig({
      VIGIL_PUBLIC_URL: 'https://news.example.org',
      VIGIL_SMTP_HOST: 'smtp.example.org',
      VIGIL_SMTP_USER: 'mailer',
      VIGIL_SMTP_PASSWORD: 'hunter2-secret',
    });
    assert.equal(c.smtp?.port, 587);
    assert.equal(c.smtp?.tls, 'starttls');
    assert.equal(c.smtp?.from, 'no-reply@news.example.org');
    assert.equal(c.smtp?.password, 'hunter2-secret');
    assert.ok(!JSON.stringify(c).includes('hunter2'));
    assert.equal(loadConfig({ VIGIL_SMTP_HOST: 'h', VIGIL_SMTP_TLS: 'tls' }).smtp?.port, 465);
    assert.throws(
      () => loadConfig({ VIGIL_SMTP_HOST: 'h', VIGIL_SMTP_FROM: 'not an address' }),
      /VIGIL_SMTP_FROM/,
    );
    assert.throws(() => loadConfig({ VIGIL_SMTP_HOST: 'h', VIGIL_SMTP_TLS: 'maybe' }), /VIGIL_SMTP_TLS/);
  });
});
