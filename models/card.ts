import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const MODEL_CARD = join(__dirname, "MODEL_CARD.md");

/** Replaces the text between `<!-- section:begin -->` and `<!-- section:end -->` in MODEL_CARD.md. */
export function writeCardSection(section: string, body: string, card = MODEL_CARD): void {
  const begin = `<!-- ${section}:begin -->`;
  const end = `<!-- ${section}:end -->`;
  const text = existsSync(card) ? readFileSync(card, "utf8") : "";
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${card}: markers ${begin} / ${end} not found`);
  writeFileSync(card, text.slice(0, i + begin.length) + "\n" + body + "\n" + text.slice(j));
}
