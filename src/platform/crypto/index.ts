export {
  clientSecretKeys,
  FILE_CHUNK_BYTES,
  fileKey,
  newDataKey,
  openSealedFile,
  type RecipientPublicKey,
  type RecipientWrap,
  receiptSecrets,
  SealedFileWriter,
  sealToRecipients,
} from './envelope.ts';
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
