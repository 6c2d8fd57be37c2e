export { createKeystore, writeKeystore, loadKeystore, readKeystoreAddress } from "./keystore";
export type { KdfCost, KeystoreWriteOptions } from "./keystore";
export { readPassword, readSecret, KeyError, MIN_PASSWORD_LENGTH } from "./password";
export type { PasswordSource } from "./password";
export { loadSigner } from "./signer";
export type { SignerSource } from "./signer";
export { assertPrivateFile, kdfWarnings, UNSAFE_PERMISSIONS_ENV } from "./file-safety";
export type { KeyFileOptions } from "./file-safety";
