import { Wallet, encryptKeystoreJson, getAddress, isKeystoreJson } from "ethers";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { assertPrivateFile, defaultWarn, kdfWarnings, type KeyFileOptions } from "./file-safety";
import { KeyError, MIN_PASSWORD_LENGTH } from "./password";

/**
 * Encrypted JSON keystores (the Web3 Secret Storage format geth and ethers use): the node's
 * signing key lives on disk only encrypted with scrypt + AES-128-CTR.
 *
 * Cost: "standard" is ethers' default scrypt (N = 2^17, about a second to decrypt), for real
 * keys. "light" (N = 2^12) is for throw-away keys of local demos and tests only.
 */
export type KdfCost = "standard" | "light";
/** scrypt N per cost level: 2^17 is the Web3 Secret Storage default; 2^12 decrypts in ms. */
const SCRYPT_N: Record<KdfCost, number> = { standard: 1 << 17, light: 1 << 12 };

export interface KeystoreWriteOptions {
  cost?: KdfCost;
  /** Replace an existing file. Off by default: overwriting a key is how keys get lost. */
  overwrite?: boolean;
}

/** Encrypts `privateKey` into a keystore file (mode 0600). Returns the address. */
export async function writeKeystore(path: string, privateKey: string, password: string, opts: KeystoreWriteOptions = {}): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH) throw new KeyError(`keystore password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (existsSync(path) && !opts.overwrite) throw new KeyError(`${path} already exists; refusing to overwrite a keystore`);
  let wallet: Wallet;
  try {
    wallet = new Wallet(normalizePrivateKey(privateKey));
  } catch {
    throw new KeyError("not a valid secp256k1 private key (expected 32 bytes of hex)");
  }
  const json = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, password, {
    scrypt: { N: SCRYPT_N[opts.cost ?? "standard"] },
  });
  mkdirSync(dirname(path), { recursive: true });
  // Write then rename, so a crash never leaves half a keystore where a good one was.
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, json + "\n", { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return wallet.address;
}

/** Generates a fresh random key and writes it. Returns the address. */
export async function createKeystore(path: string, password: string, opts: KeystoreWriteOptions = {}): Promise<string> {
  return writeKeystore(path, Wallet.createRandom().privateKey, password, opts);
}

function readKeystoreJson(path: string): string {
  let json: string;
  try {
    json = readFileSync(path, "utf8");
  } catch {
    throw new KeyError(`keystore ${path} cannot be read`);
  }
  if (!isKeystoreJson(json)) throw new KeyError(`${path} is not an encrypted JSON keystore`);
  return json;
}

/** The keystore's address, read without decrypting (the format stores it in clear). */
export function readKeystoreAddress(path: string): string {
  const json = readKeystoreJson(path);
  const address = (JSON.parse(json) as { address?: string }).address;
  if (!address) throw new KeyError(`keystore ${path} does not record its address; decrypt it to learn it`);
  return getAddress(address.startsWith("0x") ? address : `0x${address}`);
}

/**
 * Decrypts a keystore. A wrong password is a KeyError that names the file, never the password.
 * A keystore other users can read is refused, a weak KDF warned about (file-safety.ts).
 */
export async function loadKeystore(path: string, password: string, opts: KeyFileOptions = {}): Promise<Wallet> {
  assertPrivateFile(path, "keystore", opts);
  const json = readKeystoreJson(path);
  for (const w of kdfWarnings(path, json)) (opts.warn ?? defaultWarn)(w);
  try {
    const wallet = await Wallet.fromEncryptedJson(json, password);
    return new Wallet(wallet.privateKey);
  } catch (err) {
    const msg = err instanceof Error ? err.message : "";
    if (/password/i.test(msg)) throw new KeyError(`wrong password for keystore ${path}`);
    throw new KeyError(`keystore ${path} cannot be decrypted: corrupt or unsupported`);
  }
}

function normalizePrivateKey(key: string): string {
  const k = key.trim();
  return /^[0-9a-fA-F]{64}$/.test(k) ? `0x${k}` : k;
}
