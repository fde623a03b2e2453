/**
 * What a stolen database (or a log file) reveals: no private key, no session key, no TOTP secret,
 * no password, no one-time link, no network address and no user agent. The SQLite file (and its
 * WAL) and a pg_dump are searched byte for byte, in every encoding a value could take.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { keyAad } from '../../src/modules/accounts/auth.service.ts';
import { derivePasswordSecrets, type KdfParams, open } from '../../src/platform/crypto/index.ts';
import { createTestApp, nextTotp, type TestApp } from '../helpers/app.ts';
import { dialects, TEST_PG_URL } from '../helpers/databases.ts';
import { HttpClient } from '../helpers/http-client.ts';

const USER_AGENT = 'Mozilla/5.0 (MarkerPhone; ZebraOS 9.9) UniqueAgentMarker/77';
const FORWARDED = '203.0.113.77';
const PASSWORD = 'a very particular passphrase 4471';

function encodings(secret: Buffer): string[] {
  return [secret.toString('hex'), secret.toString('base64'), secret.toString('base64url')];
}

async function databaseBytes(t: TestApp): Promise<Buffer> {
  if (t.db.dialect === 'sqlite') {
    const file = (t.db.config as { file: string }).file;
    return Buffer.concat(
      [file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)),
    );
  }
  return execFileSync('pg_dump', ['--no-owner', `--schema=${t.db.schema}`, TEST_PG_URL], {
    maxBuffer: 256 * 1024 * 1024,
  });
}

function assertAbsent(
  haystack: Buffer,
  needles: { label: string; value: Buffer | string }[],
  where: string,
): void {
  const text = haystack.toString('latin1');
  for (const { label, value } of needles) {
    const forms = typeof value === 'string' ? [value] : [...encodings(value)];
    for (const form of forms)
      assert.ok(!text.includes(form), `${where} contains ${label} (${form.slice(0, 12)}…)`);
    if (Buffer.isBuffer(value)) assert.equal(haystack.indexOf(value), -1, `${where} contains raw ${label}`);
  }
}

for (const dialect of await dialects()) {
  describe(`secrets at rest and in logs (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(() => t.close());

    it('a database dump and the logs reveal no key, password, token, address or user agent', async () => {
      const token = await t.app.accounts.staff.issueFirstAdminLink({ id: null, label: 'test' });
      const c = new HttpClient(t.app);
      c.headers = { 'user-agent': USER_AGENT, 'x-forwarded-for': FORWARDED, 'x-real-ip': FORWARDED };
      c.lang = 'en';
      await c.get(`/admin/setup/${token}`);
      await c.postForm(`/admin/setup/${token}`, {
        username: 'vault-admin',
        displayName: 'Vault Admin',
        password: PASSWORD,
        confirm: PASSWORD,
      });
      await c.get('/admin/sign-in');
      await c.postForm('/admin/sign-in', { username: 'vault-admin', password: 'wrong attempt secret 99' });
      const first = await c.postForm('/admin/sign-in', { username: 'vault-admin', password: PASSWORD });
      assert.equal(first.headers.location, '/admin/sign-in/two-factor');
      const enrol = await c.get('/admin/sign-in/two-factor');
      const secretText = /data-testid="totp-secret">([A-Z2-7 ]+)</.exec(enrol.body)![1]!;
      const { base32Decode } = await import('../../src/modules/accounts/totp.ts');
      const totpSecret = base32Decode(secretText);
      const done = await c.postForm('/admin/sign-in/two-factor', { code: nextTotp(t, totpSecret) });
      assert.equal(done.statusCode, 303);
      const sessionCookie = c.cookies.get('vigil_session')!;
      const [sessionToken, sessionKey] = sessionCookie.split('.').map((p) => Buffer.from(p, 'base64url'));
      await c.get('/admin/staff/new');
      const created = await c.postForm('/admin/staff', {
        username: 'new.person',
        displayName: 'New Person',
        roles: ['editor'],
      });
      const inviteToken = /\/admin\/setup\/([A-Za-z0-9_-]{43})/.exec(created.body)![1]!;
      await c.get('/admin/no-such-page');
      await c.get(`/admin/setup/${inviteToken}`);

      // Recover the private key the way the server does, to know what to look for.
      const staff = (await t.app.accounts.repo.findByUsername('vault-admin'))!;
      const key = (await t.app.accounts.repo.activeKey(staff.id))!;
      const secrets = await derivePasswordSecrets(
        PASSWORD,
        staff.password_salt!,
        JSON.parse(staff.kdf_params!) as KdfParams,
      );
      const privateKey = open(secrets.wrappingKey, key.wrapped_private_key, keyAad(key.id));
      assert.equal(privateKey.length, 32);

      const needles = [
        { label: 'the private key', value: privateKey },
        { label: 'the session key', value: sessionKey! },
        { label: 'the session token', value: sessionToken! },
        { label: 'the password-derived wrapping key', value: secrets.wrappingKey },
        { label: 'the TOTP secret', value: totpSecret },
        { label: 'the password', value: PASSWORD },
        { label: 'a wrong password', value: 'wrong attempt secret 99' },
        { label: 'the first-admin link', value: token! },
        { label: 'the invitation link', value: inviteToken },
        { label: 'the user agent', value: 'UniqueAgentMarker' },
        { label: 'the forwarded address', value: FORWARDED },
        { label: 'the client address', value: '127.0.0.1' },
      ];
      const dump = await databaseBytes(t);
      // Positive controls: the search looks at the right bytes (what is meant to be stored is found).
      assert.ok(dump.toString('latin1').includes('vault-admin'), 'the dump holds the username');
      const publicKeyFound =
        dump.indexOf(key.public_key) >= 0 || dump.toString('latin1').includes(key.public_key.toString('hex'));
      assert.ok(publicKeyFound, 'the dump holds the public key');
      assertAbsent(dump, needles, `the ${dialect} database`);
      const logs = t.logs();
      assert.ok(logs.includes('"route":"/admin/sign-in"'), 'back-office requests are logged (by route)');
      assertAbsent(
        Buffer.from(logs),
        [
          ...needles,
          { label: 'the CSRF token', value: c.csrf! },
          { label: 'a cookie header', value: 'vigil_session=' },
        ],
        'the logs',
      );
    });
  });
}
