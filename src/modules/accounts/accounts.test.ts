import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkPassword } from './password-policy.ts';
import { base32Decode, base32Encode, otpauthUri, totpCode, verifyTotp } from './totp.ts';

describe('TOTP', () => {
  // RFC 6238 appendix B, SHA-1, truncated to six digits.
  const secret = Buffer.from('12345678901234567890');
  const vectors: [number, string][] = [
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
    [20000000000, '353130'],
  ];
  it('matches the RFC 6238 test vectors', () => {
    for (const [seconds, code] of vectors) assert.equal(totpCode(secret, Math.floor(seconds / 30)), code);
  });
  it('accepts one step of drift, refuses reuse of a step and anything malformed', () => {
    const now = 1_234_567_890_000;
    const step = Math.floor(now / 30_000);
    assert.equal(verifyTotp(secret, totpCode(secret, step - 1), now, null), step - 1);
    assert.equal(verifyTotp(secret, totpCode(secret, step + 2), now, null), undefined);
    assert.equal(verifyTotp(secret, totpCode(secret, step), now, step), undefined, 'a used step is refused');
    for (const bad of ['', '12345', '1234567', 'abcdef', '12 34 5x'])
      assert.equal(verifyTotp(secret, bad, now, null), undefined);
  });
  it('base32 round-trips and the otpauth URI carries the secret', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) =>
        assert.deepEqual(base32Decode(base32Encode(Buffer.from(b))), Buffer.from(b)),
      ),
    );
    assert.match(
      otpauthUri(secret, 'Vigil', 'ada'),
      /^otpauth:\/\/totp\/Vigil%3Aada\?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Vigil/,
    );
  });
});

describe('password policy', () => {
  it('needs 12 characters, refuses common ones and ones built on the username', () => {
    assert.equal(checkPassword('short', 'ada'), 'tooShort');
    assert.equal(checkPassword('password1234', 'ada'), 'tooCommon');
    assert.equal(checkPassword('ada-lovelace-rocks', 'ada-lovelace'), 'tooCommon');
    assert.equal(checkPassword('aaaaaaaaaaaaaaa', 'bob'), 'tooCommon');
    assert.equal(checkPassword('correct horse battery staple', 'ada'), undefined);
    assert.equal(
      checkPassword('我的密码是一句很长很长的话', 'ada'),
      undefined,
      'counts characters, not bytes',
    );
    assert.equal(checkPassword('我的密码是短句', 'ada'), 'tooShort');
    assert.equal(checkPassword('xy'.repeat(150), 'ada'), 'tooLong');
  });
});
