import { statSync } from "node:fs";
import { KeyError } from "./key-error";

/**
 * Local-user defences of the key files (issue 13, item 15): a keystore or password file that
 * other users of the machine can read is refused, with the fix in the message; a keystore whose
 * key derivation is cheap to brute-force is loaded with a warning.
 *
 * The refusal can be overridden (a container whose only user is the node, a read-only volume
 * mounted 0644) by setting ORACLE_NODE_ALLOW_UNSAFE_KEY_FILES=1, or `allowUnsafePermissions`
 * in code; the override is warned about on every load.
 */
export const UNSAFE_PERMISSIONS_ENV = "ORACLE_NODE_ALLOW_UNSAFE_KEY_FILES";

/** scrypt N below the Web3 Secret Storage default of 2^17 (2^12 is what demos and tests use). */
export const MIN_SCRYPT_N = 1 << 17;
/** PBKDF2 iterations below geth's 262,144. */
export const MIN_PBKDF2_ITERATIONS = 262_144;

export interface KeyFileOptions {
  /** Accept group/world-readable files (warned). Default: the environment variable above. */
  allowUnsafePermissions?: boolean;
  /** Where warnings go (default: process.emitWarning, printed on stderr). */
  warn?: (message: string) => void;
}

export const defaultWarn = (message: string): void => {
  process.emitWarning(message, "KeyFileWarning");
};

/** Throws a KeyError when `path` (a keystore or a password file) can be read or written by anyone but its owner. */
export function assertPrivateFile(path: string, what: string, opts: KeyFileOptions = {}): void {
  if (process.platform === "win32") return; // POSIX modes do not describe Windows ACLs
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return; // missing or unreadable: the reader says so in its own words
  }
  if ((mode & 0o077) === 0) return;
  const octal = "0" + mode.toString(8).padStart(3, "0");
  const who = mode & 0o007 ? "every user of this machine" : "its group";
  const allow = opts.allowUnsafePermissions ?? process.env[UNSAFE_PERMISSIONS_ENV] === "1";
  if (allow) {
    (opts.warn ?? defaultWarn)(`${what} ${path} has mode ${octal}: ${who} can read it (accepted because ${UNSAFE_PERMISSIONS_ENV}=1)`);
    return;
  }
  throw new KeyError(`${what} ${path} has mode ${octal}: ${who} can read it. Run \`chmod 600 ${path}\` (or set ${UNSAFE_PERMISSIONS_ENV}=1 to accept it)`);
}

interface KdfParams {
  kdf?: string;
  kdfparams?: { n?: number; r?: number; p?: number; c?: number };
}

/** Warnings about a keystore's key derivation parameters (empty when they are strong enough). */
export function kdfWarnings(path: string, json: string): string[] {
  let crypto: KdfParams | undefined;
  try {
    const parsed = JSON.parse(json) as { crypto?: KdfParams; Crypto?: KdfParams };
    crypto = parsed.crypto ?? parsed.Crypto;
  } catch {
    return [];
  }
  const kdf = crypto?.kdf?.toLowerCase();
  const p = crypto?.kdfparams ?? {};
  const fix = "re-encrypt it with `oracle-node keys import` (standard cost)";
  if (kdf === "scrypt") {
    const out: string[] = [];
    if ((p.n ?? 0) < MIN_SCRYPT_N)
      out.push(`keystore ${path} uses scrypt N=${p.n}, below ${MIN_SCRYPT_N}: its password is cheap to brute-force if the file leaks; ${fix}`);
    if ((p.r ?? 0) < 8) out.push(`keystore ${path} uses scrypt r=${p.r}, below 8; ${fix}`);
    return out;
  }
  if (kdf === "pbkdf2") {
    return (p.c ?? 0) < MIN_PBKDF2_ITERATIONS ? [`keystore ${path} uses PBKDF2 with ${p.c} iterations, below ${MIN_PBKDF2_ITERATIONS}; ${fix}`] : [];
  }
  return [`keystore ${path} uses an unknown key derivation (${kdf ?? "none"})`];
}
