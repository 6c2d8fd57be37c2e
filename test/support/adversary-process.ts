import { readFileSync, writeFileSync } from "node:fs";
import { Adversary } from "./adversary";
import type { AdversarySpec } from "./adversary-wire";

/**
 * Test entry point: `npx tsx test/support/adversary-process.ts --spec FILE [--stats FILE]` runs
 * one adversary (./adversary.ts) from a JSON AdversarySpec until SIGTERM or SIGINT. Its counters
 * go to the stats file (JSON, rewritten every second and on exit) and, on exit, one JSON line on
 * stdout. The chaos bench spawns two faulty members and one outsider this way.
 */
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const specPath = arg("--spec");
  if (!specPath) {
    process.stderr.write("usage: adversary-process.ts --spec FILE [--stats FILE]\n");
    process.exit(2);
  }
  const spec = JSON.parse(readFileSync(specPath, "utf8")) as AdversarySpec;
  const statsPath = arg("--stats");
  const adv = new Adversary(spec);
  const dump = () => {
    if (statsPath) writeFileSync(statsPath, JSON.stringify(adv.stats()));
  };
  const timer = setInterval(dump, 1_000);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    await adv.stop();
    dump();
    process.stdout.write(JSON.stringify(adv.stats()) + "\n");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
  await adv.start();
  process.stderr.write(`adversary ${adv.wire.address} (${adv.isMember ? `member ${adv.wire.index}` : "outsider"}): ${[...adv.attacks].join(", ")}\n`);
}

main().catch((err) => {
  process.stderr.write(`adversary: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
