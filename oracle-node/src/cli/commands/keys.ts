import type { Command } from "commander";
import { createKeystore, loadKeystore, readKeystoreAddress, writeKeystore } from "../../keys/keystore";
import { readPassword, readSecret } from "../../keys/password";

/**
 * `oracle-node keys new|import|address`: the node's signing key as an encrypted JSON keystore.
 * Passwords and private keys come from an environment variable or a file, never from argv (which
 * `ps` shows to everyone), and are never printed. stdout carries only the address.
 */
export function register(program: Command): void {
  const keys = program.command("keys").description("create, import and inspect encrypted JSON keystores");

  keys
    .command("new")
    .description("generate a new random key and write it as an encrypted keystore; prints its address")
    .requiredOption("--keystore <file>", "keystore file to create (refuses to overwrite)")
    .option("--password-env <var>", "environment variable holding the password")
    .option("--password-file <file>", "file holding the password")
    .option("--light-kdf", "cheap scrypt (N=2^12) for throw-away demo and test keys; never for real keys")
    .action(async (o: { keystore: string; passwordEnv?: string; passwordFile?: string; lightKdf?: boolean }) => {
      const password = readPassword({ env: o.passwordEnv, file: o.passwordFile });
      const address = await createKeystore(o.keystore, password, { cost: o.lightKdf ? "light" : "standard" });
      process.stdout.write(`${address}\n`);
      process.stderr.write(`wrote encrypted keystore ${o.keystore}\n`);
    });

  keys
    .command("import")
    .description("encrypt an existing private key into a keystore; prints its address")
    .requiredOption("--keystore <file>", "keystore file to create (refuses to overwrite)")
    .option("--private-key-env <var>", "environment variable holding the hex private key")
    .option("--private-key-file <file>", "file holding the hex private key")
    .option("--password-env <var>", "environment variable holding the keystore password")
    .option("--password-file <file>", "file holding the keystore password")
    .option("--light-kdf", "cheap scrypt (N=2^12) for throw-away demo and test keys; never for real keys")
    .action(
      async (o: { keystore: string; privateKeyEnv?: string; privateKeyFile?: string; passwordEnv?: string; passwordFile?: string; lightKdf?: boolean }) => {
        if (!o.privateKeyEnv && !o.privateKeyFile) throw new Error("keys import: pass --private-key-env VAR or --private-key-file FILE");
        const key = readSecret("private key", { env: o.privateKeyEnv, file: o.privateKeyFile });
        const password = readPassword({ env: o.passwordEnv, file: o.passwordFile });
        const address = await writeKeystore(o.keystore, key, password, { cost: o.lightKdf ? "light" : "standard" });
        process.stdout.write(`${address}\n`);
        process.stderr.write(`wrote encrypted keystore ${o.keystore}\n`);
      },
    );

  keys
    .command("address")
    .description("print a keystore's address; with a password given, also check that it decrypts")
    .requiredOption("--keystore <file>", "keystore file")
    .option("--password-env <var>", "environment variable holding the password (decrypt and verify)")
    .option("--password-file <file>", "file holding the password (decrypt and verify)")
    .action(async (o: { keystore: string; passwordEnv?: string; passwordFile?: string }) => {
      const recorded = readKeystoreAddress(o.keystore);
      if (o.passwordEnv || o.passwordFile) {
        const wallet = await loadKeystore(o.keystore, readPassword({ env: o.passwordEnv, file: o.passwordFile }));
        if (wallet.address !== recorded) {
          throw new Error(`keystore ${o.keystore} records ${recorded} but decrypts to ${wallet.address}`);
        }
      }
      process.stdout.write(`${recorded}\n`);
    });
}
