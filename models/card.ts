import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const MODEL_CARD = join(__dirname, "MODEL_CARD.md");

/**
 * Replaces the text between `<!-- section:begin -->` and `<!-- section:end -->` in MODEL_CARD.md,
 * then formats the card with the repo's prettier config, so a bench or eval run leaves `npm run lint` clean.
 */
export function writeCardSection(section: string, body: string, card = MODEL_CARD): void {
  const begin = `<!-- ${section}:begin -->`;
  const end = `<!-- ${section}:end -->`;
  const text = existsSync(card) ? readFileSync(card, "utf8") : "";
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${card}: markers ${begin} / ${end} not found`);
  writeFileSync(card, text.slice(0, i + begin.length) + "\n" + body + "\n" + text.slice(j));
  execFileSync(process.execPath, [require.resolve("prettier/bin/prettier.cjs"), "--write", "--log-level", "warn", card], { stdio: "inherit" });
}
