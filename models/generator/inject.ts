/**
 * Evaluation-only stress test: injects a coordinated pump into a recorded scenario's quotes (the
 * first `venues` sources of the file, for the middle rounds), relabelling the pumped rows 1.
 * Used by models/eval.ts on the public scenarios to probe generalization on a microstructure the
 * training simulator never produced. Never used for training or for choosing the threshold.
 */
export interface PumpInjection {
  venues: number;
  /** Price factor of the pump (2 = +100 %, 0.5 = -50 %). */
  factor: number;
  /** Spread multiplier and volume multiplier on the pumped rows. */
  spreadX: number;
  volumeX: number;
  /** Rounds over which the pump ramps in (0 = instant). */
  ramp: number;
  /** Attack window as fractions of the scenario's rounds. */
  from: number;
  to: number;
}

export function injectPump(quotesCsv: string, inj: PumpInjection): string {
  const lines = quotesCsv.trim().split("\n");
  const head = lines.shift()!;
  const cols = head.split(",");
  const [iTs, iSrc, iP, iB, iA, iV, iL] = ["timestamp", "source", "price", "bid", "ask", "volume", "label"].map((c) => cols.indexOf(c));
  const rounds: string[] = [];
  const sources: string[] = [];
  for (const l of lines) {
    const f = l.split(",");
    if (rounds[rounds.length - 1] !== f[iTs]) rounds.push(f[iTs]);
    if (!sources.includes(f[iSrc])) sources.push(f[iSrc]);
  }
  const roundIndex = new Map(rounds.map((t, i) => [t, i]));
  const victims = new Set(sources.slice(0, inj.venues));
  const a = Math.floor(rounds.length * inj.from);
  const b = Math.floor(rounds.length * inj.to);
  const out = [head];
  for (const l of lines) {
    const f = l.split(",");
    const i = roundIndex.get(f[iTs])!;
    if (i >= a && i < b && victims.has(f[iSrc])) {
      const frac = inj.ramp > 0 ? Math.min(1, (i - a + 1) / inj.ramp) : 1;
      const m = Math.exp(Math.log(inj.factor) * frac);
      const decimals = (f[iP].split(".")[1] ?? "").length;
      const p = Number(f[iP]) * m;
      const half = f[iB] && f[iA] ? ((Number(f[iA]) - Number(f[iB])) / 2) * m * inj.spreadX : 0;
      f[iP] = p.toFixed(decimals);
      if (f[iB]) f[iB] = (p - half).toFixed(decimals);
      if (f[iA]) f[iA] = (p + half).toFixed(decimals);
      if (f[iV]) f[iV] = (Number(f[iV]) * inj.volumeX).toFixed(3);
      if (Math.abs(m - 1) > 1e-3) f[iL] = "1";
    }
    out.push(f.join(","));
  }
  return out.join("\n") + "\n";
}
