/**
 * Password derivations for accounts, run through a concurrency gate: each one takes 64 MiB and a
 * quarter of a second on the thread pool, so only a few run at once and a flood gets "busy".
 */
import {
  constantTimeEqual,
  derivePasswordSecrets,
  type KdfParams,
  newSalt,
  type PasswordSecrets,
} from '../../platform/crypto/index.ts';
import { type ConcurrencyGate, GATE_FULL } from '../../platform/http/throttle.ts';

export interface NewPassword extends PasswordSecrets {
  salt: Buffer;
  paramsJson: string;
}

export class Busy extends Error {}

/** Salt for checking passwords of accounts that do not exist, so their timing matches real ones. */
const DUMMY_SALT = Buffer.alloc(16, 7);

export class Passwords {
  constructor(
    private readonly gate: ConcurrencyGate,
    private readonly params: KdfParams,
  ) {}

  private async derive(password: string, salt: Buffer, params: KdfParams): Promise<PasswordSecrets> {
    const result = await this.gate.run(() => derivePasswordSecrets(password, salt, params));
    if (result === GATE_FULL) throw new Busy('too many password derivations in progress');
    return result;
  }

  async create(password: string): Promise<NewPassword> {
    const salt = newSalt();
    const secrets = await this.derive(password, salt, this.params);
    return { ...secrets, salt, paramsJson: JSON.stringify(this.params) };
  }

  /** The wrapping key when the password matches the stored verifier; undefined otherwise. */
  async check(
    stored:
      | { password_salt: Buffer | null; password_verifier: Buffer | null; kdf_params: string | null }
      | undefined,
    password: string,
  ): Promise<PasswordSecrets | undefined> {
    if (!stored?.password_salt || !stored.password_verifier || !stored.kdf_params) {
      await this.derive(password, DUMMY_SALT, this.params);
      return undefined;
    }
    const secrets = await this.derive(
      password,
      stored.password_salt,
      JSON.parse(stored.kdf_params) as KdfParams,
    );
    return constantTimeEqual(secrets.verifier, stored.password_verifier) ? secrets : undefined;
  }
}
