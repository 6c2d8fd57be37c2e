import { splitPair } from "../symbols";

const PLACEHOLDER_RE = /\{(base|quote|symbol)(?::(lower|upper))?\}/g;

export interface TemplateVars {
  base: string;
  quote: string;
  symbol: string;
}

export function templateVars(pair: string, symbol: string | undefined, defaultSymbol: string): TemplateVars {
  const { base, quote } = splitPair(pair);
  const sym = symbol?.trim() || fillTemplate(defaultSymbol, { base, quote, symbol: "" }, false);
  return { base, quote, symbol: sym };
}

/** Expands {base}, {quote}, {symbol} (with :lower / :upper); URL-encodes when asked. */
export function fillTemplate(template: string, vars: TemplateVars, encode: boolean): string {
  return template.replace(PLACEHOLDER_RE, (_m, name: keyof TemplateVars, kase?: string) => {
    let v = vars[name];
    if (kase === "lower") v = v.toLowerCase();
    if (kase === "upper") v = v.toUpperCase();
    return encode ? encodeURIComponent(v) : v;
  });
}

/** Splits a URL into its scheme+host (replaceable by a base URL) and path+query. */
export function splitUrl(url: string): { origin: string; path: string } {
  const m = /^(https?:\/\/[^/?#]+)(.*)$/.exec(url);
  if (!m) throw new Error(`not an http(s) URL: ${url}`);
  return { origin: m[1], path: m[2] || "/" };
}
