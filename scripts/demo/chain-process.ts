import { spawn } from "node:child_process";
import { join } from "node:path";
import { startLocalChain } from "./chain";

/**
 * A second local chain in its own process (Hardhat runs one in-process chain per process), for
 * the two-chain demo and e2e: `node --import tsx scripts/demo/chain-process.ts <chainId>` prints
 * one JSON line {"url","chainId"} once it serves, and stops on SIGTERM or when stdin closes.
 * `spawnLocalChain` runs it from another process.
 */
const REPO = join(__dirname, "../..");
/** The child compiles nothing (the parent did) and Hardhat is up in a few seconds; more is a hang. */
const START_DEADLINE_MS = 60_000;

export interface ChildChain {
  url: string;
  chainId: number;
  close(): Promise<void>;
}

export function spawnLocalChain(chainId: number): Promise<ChildChain> {
  const child = spawn(process.execPath, ["--import", "tsx", join(REPO, "scripts/demo/chain-process.ts"), String(chainId)], {
    cwd: REPO,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const close = async () => {
    child.kill("SIGTERM");
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => void close().then(() => reject(new Error(`chain ${chainId} did not start within ${START_DEADLINE_MS} ms`))),
      START_DEADLINE_MS,
    );
    let buf = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buf += chunk.toString("utf8");
      const line = buf.split("\n").find((l) => l.startsWith("{"));
      if (!line) return;
      clearTimeout(timer);
      const info = JSON.parse(line) as { url: string; chainId: number };
      resolve({ ...info, close });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`chain ${chainId} process exited (${code}) before it served`));
    });
  });
}

if (require.main === module) {
  const chainId = Number(process.argv[2]);
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    process.stderr.write("usage: chain-process.ts <chainId>\n");
    process.exit(2);
  }
  void startLocalChain({ chainId, compile: false }).then((chain) => {
    process.stdout.write(JSON.stringify({ url: chain.url, chainId: chain.chainId }) + "\n");
    const stop = () => void chain.close().finally(() => process.exit(0));
    process.on("SIGTERM", stop);
    process.stdin.on("end", stop).resume();
  });
}
