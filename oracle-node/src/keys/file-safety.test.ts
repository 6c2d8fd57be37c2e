import { afterEach, describe, expect, it } from "vitest";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet } from "ethers";
import { UNSAFE_PERMISSIONS_ENV } from "./file-safety";
import { createKeystore, loadKeystore } from "./keystore";
import { readPassword } from "./password";
import { loadSigner } from "./signer";

/** Issue 13, item 15: a local user must not get at the key through file modes or a cheap KDF. */
const PASSWORD = "correct horse battery";
const dir = () => mkdtempSync(join(tmpdir(), "keyfiles-"));

afterEach(() => {
  delete process.env[UNSAFE_PERMISSIONS_ENV];
  delete process.env.KEYFILES_TEST_PW;
});

describe("key file permissions", () => {
  it.each([
    [0o644, /mode 0644: every user of this machine can read it\. Run `chmod 600 .*keystore\.json`/],
    [0o640, /mode 0640: its group can read it/],
    [0o604, /mode 0604: every user/],
  ])("refuses a keystore with mode %o, naming the fix", async (mode, message) => {
    const path = join(dir(), "keystore.json");
    await createKeystore(path, PASSWORD, { cost: "light" });
    chmodSync(path, mode);
    await expect(loadKeystore(path, PASSWORD, { warn: () => undefined })).rejects.toThrow(message);
  });

  it("refuses a group- or world-readable password file, and the signer loader with it", async () => {
    const d = dir();
    const keystore = join(d, "k.json");
    await createKeystore(keystore, PASSWORD, { cost: "light" });
    const pw = join(d, "pw");
    writeFileSync(pw, PASSWORD + "\n", { mode: 0o644 });
    chmodSync(pw, 0o644);
    expect(() => readPassword({ file: pw })).toThrow(/password file .*pw has mode 0644.*chmod 600/);
    await expect(loadSigner({ keystore, password: { file: pw } }, { warn: () => undefined })).rejects.toThrow(/password file/);
    chmodSync(pw, 0o600);
    const w = await loadSigner({ keystore, password: { file: pw } }, { warn: () => undefined });
    expect(w.address).toMatch(/^0x/);
  });

  it("accepts unsafe modes only with the explicit override, and warns every time", async () => {
    const path = join(dir(), "keystore.json");
    const address = await createKeystore(path, PASSWORD, { cost: "light" });
    chmodSync(path, 0o644);
    const warnings: string[] = [];
    const w1 = await loadKeystore(path, PASSWORD, { allowUnsafePermissions: true, warn: (m) => warnings.push(m) });
    expect(w1.address).toBe(address);
    process.env[UNSAFE_PERMISSIONS_ENV] = "1";
    await loadKeystore(path, PASSWORD, { warn: (m) => warnings.push(m) });
    expect(warnings.filter((m) => /mode 0644.*accepted because ORACLE_NODE_ALLOW_UNSAFE_KEY_FILES=1/.test(m))).toHaveLength(2);
  });

  it("loads a 0600 keystore with a standard KDF without any warning", async () => {
    const path = join(dir(), "keystore.json");
    const address = await createKeystore(path, PASSWORD); // standard cost: ~1 s to encrypt and decrypt
    const warnings: string[] = [];
    expect((await loadKeystore(path, PASSWORD, { warn: (m) => warnings.push(m) })).address).toBe(address);
    expect(warnings).toEqual([]);
  }, 30_000);
});

describe("weak key derivation", () => {
  it("warns about a light (N=2^12) scrypt keystore, on the default channel too", async () => {
    const path = join(dir(), "light.json");
    await createKeystore(path, PASSWORD, { cost: "light" });
    const warnings: string[] = [];
    await loadKeystore(path, PASSWORD, { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/uses scrypt N=4096, below 131072: its password is cheap to brute-force/)]);
    const emitted: string[] = [];
    const onWarning = (w: Error) => emitted.push(w.message);
    process.on("warning", onWarning);
    try {
      await loadKeystore(path, PASSWORD);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarning);
    }
    expect(emitted.some((m) => /scrypt N=4096/.test(m))).toBe(true);
  });

  it("warns about PBKDF2 with few iterations", async () => {
    const path = join(dir(), "pbkdf2.json");
    const wallet = Wallet.createRandom();
    // A minimal v3 keystore shape with a weak PBKDF2 (the loader warns before it decrypts).
    writeFileSync(
      path,
      JSON.stringify({
        version: 3,
        address: wallet.address.slice(2).toLowerCase(),
        crypto: {
          cipher: "aes-128-ctr",
          kdf: "pbkdf2",
          kdfparams: { c: 1000, dklen: 32, prf: "hmac-sha256", salt: "00" },
          ciphertext: "00",
          cipherparams: { iv: "00" },
          mac: "00",
        },
      }),
      { mode: 0o600 },
    );
    const warnings: string[] = [];
    await expect(loadKeystore(path, PASSWORD, { warn: (m) => warnings.push(m) })).rejects.toThrow();
    expect(warnings).toEqual([expect.stringMatching(/PBKDF2 with 1000 iterations, below 262144/)]);
  });
});
