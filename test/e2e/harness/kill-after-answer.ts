import { spawn } from "node:child_process";
import { join } from "node:path";

const REPO = join(__dirname, "../../..");

/** What a sign-and-die script prints as its first stdout line, plus the signal that ended it. */
export interface SignAnswer {
  code: string;
  signature: string | null;
  signal: string | null;
}

/**
 * Runs `node --import tsx <script> ...args` (script relative to the repo) and SIGKILLs it the
 * moment it printed its first line (a JSON answer): a node killed -9 right after it signed.
 */
export function killAfterAnswer(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<SignAnswer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(REPO, script), ...args], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let answer: { code: string; signature: string | null } | null = null;
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      if (!answer && out.includes("\n")) {
        answer = JSON.parse(out.slice(0, out.indexOf("\n"))) as { code: string; signature: string | null };
        child.kill("SIGKILL");
      }
    });
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.once("close", (_code, signal) => (answer ? resolve({ ...answer, signal }) : reject(new Error(`signer exited without answering: ${err}`))));
  });
}
