import { describe, expect, it } from "vitest";
import { Wallet } from "ethers";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKeystore, loadKeystore, readKeystoreAddress, writeKeystore } from "../../oracle-node/src/keys/keystore";
import { KeyError, readPassword } from "../../oracle-node/src/keys/password";
import { loadSigner } from "../../oracle-node/src/keys/signer";
import { runCli } from "./cli-run";

const PASSWORD = "correct horse battery staple";
const tmp = () => mkdtempSync(join(tmpdir(), "keys-test-"));

describe("keystore", () => {
  it("round-trips an imported key, stores it encrypted with mode 0600 and records the address", async () => {
    const dir = tmp();
    const wallet = Wallet.createRandom();
    const path = join(dir, "node.json");
    const address = await writeKeystore(path, wallet.privateKey, PASSWORD, { cost: "light" });
    expect(address).toBe(wallet.address);
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain(wallet.privateKey.slice(2));
    expect(text).not.toContain(PASSWORD);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readKeystoreAddress(path)).toBe(wallet.address);
    expect((await loadKeystore(path, PASSWORD)).privateKey).toBe(wallet.privateKey);
  });

  it("refuses a wrong password without echoing it", async () => {
    const path = join(tmp(), "k.json");
    await createKeystore(path, PASSWORD, { cost: "light" });
    const err = await loadKeystore(path, "not the password").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyError);
    expect((err as Error).message).toContain("wrong password");
    expect((err as Error).message).not.toContain("not the password");
  });

  it("refuses to overwrite, short passwords, bad keys and files that are not keystores", async () => {
    const dir = tmp();
    const path = join(dir, "k.json");
    await createKeystore(path, PASSWORD, { cost: "light" });
    await expect(createKeystore(path, PASSWORD, { cost: "light" })).rejects.toThrow(/refusing to overwrite/);
    await expect(createKeystore(join(dir, "short.json"), "abc", { cost: "light" })).rejects.toThrow(/at least 8/);
    await expect(writeKeystore(join(dir, "bad.json"), "0x1234", PASSWORD, { cost: "light" })).rejects.toThrow(/not a valid secp256k1 private key/);
    writeFileSync(join(dir, "junk.json"), '{"hello":1}');
    expect(() => readKeystoreAddress(join(dir, "junk.json"))).toThrow(/not an encrypted JSON keystore/);
    expect(() => readKeystoreAddress(join(dir, "missing.json"))).toThrow(/cannot be read/);
  });

  it("reads passwords from an env var or a file and names what is missing", () => {
    const dir = tmp();
    process.env.KEYS_TEST_PW = PASSWORD;
    expect(readPassword({ env: "KEYS_TEST_PW" })).toBe(PASSWORD);
    writeFileSync(join(dir, "pw"), PASSWORD + "\n", { mode: 0o600 });
    expect(readPassword({ file: join(dir, "pw") })).toBe(PASSWORD);
    expect(() => readPassword({ env: "KEYS_TEST_UNSET_VAR" })).toThrow(/KEYS_TEST_UNSET_VAR .* not set/);
    expect(() => readPassword({})).toThrow(/--password-env VAR or --password-file FILE/);
    expect(() => readPassword({ env: "KEYS_TEST_PW", file: join(dir, "pw") })).toThrow(/not both/);
    writeFileSync(join(dir, "empty"), "");
    expect(() => readPassword({ file: join(dir, "empty") })).toThrow(/empty/);
  });

  it("loads a signer from a keystore or from a private-key variable", async () => {
    const path = join(tmp(), "k.json");
    const address = await createKeystore(path, PASSWORD, { cost: "light" });
    process.env.KEYS_TEST_PW = PASSWORD;
    expect((await loadSigner({ keystore: path, password: { env: "KEYS_TEST_PW" } })).address).toBe(address);
    const w = Wallet.createRandom();
    process.env.KEYS_TEST_PK = w.privateKey.slice(2);
    expect((await loadSigner({ privateKeyEnv: "KEYS_TEST_PK" })).address).toBe(w.address);
    process.env.KEYS_TEST_PK = "garbage";
    await expect(loadSigner({ privateKeyEnv: "KEYS_TEST_PK" })).rejects.toThrow(/does not hold a valid private key/);
    await expect(loadSigner({})).rejects.toThrow(/no signing key/);
  });
});

describe("oracle-node keys", () => {
  it("new, address and import work end to end and never print the password or key", async () => {
    const dir = tmp();
    const env = { NODE_PW: PASSWORD };
    const created = await runCli(["keys", "new", "--keystore", join(dir, "a.json"), "--password-env", "NODE_PW", "--light-kdf"], env);
    expect(created.code).toBe(0);
    const address = created.stdout.trim();
    expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const shown = await runCli(["keys", "address", "--keystore", join(dir, "a.json"), "--password-env", "NODE_PW"], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout.trim()).toBe(address);

    const w = Wallet.createRandom();
    const imported = await runCli(
      ["keys", "import", "--keystore", join(dir, "b.json"), "--private-key-env", "IMPORT_PK", "--password-env", "NODE_PW", "--light-kdf"],
      { ...env, IMPORT_PK: w.privateKey },
    );
    expect(imported.code).toBe(0);
    expect(imported.stdout.trim()).toBe(w.address);
    for (const out of [created, shown, imported]) {
      expect(out.stdout + out.stderr).not.toContain(PASSWORD);
      expect(out.stdout + out.stderr).not.toContain(w.privateKey.slice(2));
    }

    const wrong = await runCli(["keys", "address", "--keystore", join(dir, "a.json"), "--password-env", "NODE_PW"], { NODE_PW: "wrong password!" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("wrong password");
    expect(wrong.stderr).not.toContain("wrong password!");

    const usage = await runCli(["keys", "new"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--keystore");
  });
});
