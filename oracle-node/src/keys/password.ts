import { readFileSync, statSync } from "node:fs";
import { assertPrivateFile, type KeyFileOptions } from "./file-safety";
import { KeyError } from "./key-error";

/**
 * Where a keystore password comes from: an environment variable or a file, never the command
 * line (argv is visible to every user in `ps`) and never a prompt echo. The password itself is
 * never logged, printed or put into an error message.
 */
export interface PasswordSource {
  /** Name of an environment variable holding the password. */
  env?: string;
  /** Path of a file whose content (trailing newline removed) is the password. */
  file?: string;
}

export { KeyError } from "./key-error";

/** Passwords shorter than this are refused for new keystores: a keystore is only as good as it. */
export const MIN_PASSWORD_LENGTH = 8;
/** A password file is a few bytes; anything large is the wrong file. */
const MAX_PASSWORD_FILE_BYTES = 4096;

export function readPassword(source: PasswordSource, opts: KeyFileOptions = {}): string {
  if (source.env && source.file) throw new KeyError("give the password with either --password-env or --password-file, not both");
  if (source.env) {
    const value = process.env[source.env];
    if (value === undefined || value === "") throw new KeyError(`environment variable ${source.env} (the keystore password) is not set or empty`);
    return value;
  }
  if (source.file) {
    let size: number;
    try {
      size = statSync(source.file).size;
    } catch {
      throw new KeyError(`password file ${source.file} cannot be read`);
    }
    if (size > MAX_PASSWORD_FILE_BYTES) throw new KeyError(`password file ${source.file} is ${size} bytes: not a password file`);
    assertPrivateFile(source.file, "password file", opts);
    const value = readFileSync(source.file, "utf8").replace(/\r?\n$/, "");
    if (value === "") throw new KeyError(`password file ${source.file} is empty`);
    return value;
  }
  throw new KeyError("no keystore password: pass --password-env VAR or --password-file FILE");
}

/** Reads a secret (a private key to import) from an environment variable or a file. */
export function readSecret(what: string, source: PasswordSource): string {
  if (source.env && source.file) throw new KeyError(`give the ${what} with either an environment variable or a file, not both`);
  if (source.env) {
    const value = process.env[source.env];
    if (!value) throw new KeyError(`environment variable ${source.env} (the ${what}) is not set or empty`);
    return value.trim();
  }
  if (source.file) {
    try {
      const value = readFileSync(source.file, "utf8").trim();
      if (!value) throw new KeyError(`${what} file ${source.file} is empty`);
      return value;
    } catch (err) {
      if (err instanceof KeyError) throw err;
      throw new KeyError(`${what} file ${source.file} cannot be read`);
    }
  }
  throw new KeyError(`no ${what} given`);
}
