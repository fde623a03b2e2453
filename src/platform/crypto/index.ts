export { loadInstanceKey, subKey } from './instance-key.ts';
export {
  generateKeyPair,
  openWithPrivateKey,
  publicKeyOf,
  type RawKeyPair,
  sealToPublicKey,
} from './keypair.ts';
export {
  derivePasswordSecrets,
  type KdfParams,
  kdfParamsForMemory,
  newSalt,
  type PasswordSecrets,
} from './password.ts';
export {
  CryptoError,
  constantTimeEqual,
  hmac,
  open,
  randomBytes,
  randomToken,
  randomTokenSource,
  seal,
  sha256Hex,
} from './primitives.ts';
