import { Wallet } from "ethers";
import type { KeyFileOptions } from "./file-safety";
import { loadKeystore } from "./keystore";
import { KeyError, readPassword, readSecret, type PasswordSource } from "./password";

/**
 * Where a command gets its signing key: an encrypted keystore plus a password source (the normal
 * case), or a raw private key from an environment variable (CI deployers, throw-away chains).
 */
export interface SignerSource {
  keystore?: string;
  password?: PasswordSource;
  privateKeyEnv?: string;
}

export async function loadSigner(source: SignerSource, opts: KeyFileOptions = {}): Promise<Wallet> {
  if (source.keystore && source.privateKeyEnv) throw new KeyError("give either a keystore or a private key variable, not both");
  if (source.keystore) return loadKeystore(source.keystore, readPassword(source.password ?? {}, opts), opts);
  if (source.privateKeyEnv) {
    const raw = readSecret("private key", { env: source.privateKeyEnv });
    try {
      return new Wallet(/^[0-9a-fA-F]{64}$/.test(raw) ? `0x${raw}` : raw);
    } catch {
      throw new KeyError(`environment variable ${source.privateKeyEnv} does not hold a valid private key`);
    }
  }
  throw new KeyError("no signing key: pass --keystore FILE (with --password-env or --password-file) or --private-key-env VAR");
}
