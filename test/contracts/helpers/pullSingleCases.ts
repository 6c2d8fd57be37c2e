import { rawFeed, rawHeader, type Deployed } from "./committee";

/** Report builders shared by the one-feed entry points' tests (QuorumAggregator.pullSingle, PullVerifier). */

export const PRICE = 6_712_345_000_000n;
export const OBS = [PRICE - 10n, PRICE, PRICE + 3n, PRICE + 7n, PRICE + 20n];

/** Malformed one-feed reports and the error verifyReport gives each ("ok": accepted), for a committee of 7 and 4 feeds. */
export function malformedCases(d: Deployed, ts: number): Array<[string, string]> {
  const er = 1n << 8n;
  const h = rawHeader(d.configDigest, er, ts, 1);
  return [
    ["MalformedReport", rawHeader(d.configDigest, er, ts, 0)],
    ["MalformedReport", h + "00"],
    ["UnknownFeed", h + rawFeed(3, [0, 1, 2, 3, 4], 6, OBS)],
    ["WrongObservationCount", h + rawFeed(0, [0, 1, 2, 3], 6, OBS.slice(0, 4))],
    [
      "WrongObservationCount",
      h +
        rawFeed(
          0,
          [0, 1, 2, 3, 4, 5, 6, 7],
          6,
          [...OBS, ...OBS.slice(0, 3)].sort((a, b) => (a < b ? -1 : 1)),
        ),
    ],
    ["InvalidObservationWidth", h + rawFeed(0, [0, 1, 2, 3, 4], 0, [])],
    ["InvalidObservationWidth", h + rawFeed(0, [0, 1, 2, 3, 4], 16, OBS)],
    ["MalformedReport", h + rawFeed(0, [0, 1, 2, 3, 4], 6, OBS).slice(0, -2)],
    ["MalformedReport", h + rawFeed(0, [0, 1, 2, 3, 4], 6, OBS) + "00"],
    ["MalformedReport", h + "0005000102"],
    ["ObserverOutOfRange", h + rawFeed(0, [0, 1, 2, 3, 7], 6, OBS)],
    ["DuplicateObserver", h + rawFeed(0, [0, 1, 2, 3, 1], 6, OBS)],
    ["ObserverOutOfRange", h + rawFeed(0, [0, 255, 2, 2, 1], 6, [OBS[1], OBS[0], ...OBS.slice(2)])],
    ["ObservationsNotSorted", h + rawFeed(0, [0, 1, 2, 3, 4], 6, [OBS[0], OBS[1], OBS[3], OBS[2], OBS[4]])],
    ["ObservationsNotSorted", h + rawFeed(0, [0, 1, 2, 3, 4], 6, [-1n, -2n, 3n, 4n, 5n])],
    ["ok", h + rawFeed(0, [6, 0, 5, 1, 4], 15, [-(1n << 118n), -1n, 0n, 1n, 1n << 118n])],
    ["ok", h + rawFeed(0, [6, 5, 4, 3, 2, 1, 0], 1, [-128n, -1n, 0n, 0n, 1n, 2n, 127n])],
  ];
}

/** `count` random one-feed reports (deterministic in `seed`): widths 1..15, 4..7 observations, sometimes unsorted, repeated or out-of-range observers, feeds 0..3. */
export function randomReports(d: Deployed, ts: number, count: number, seed = 12345): string[] {
  const rand = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), (seed >>> 8) % k);
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const n = 4 + rand(4);
    const width = 1 + rand(15);
    const span = 1n << BigInt(Math.min(8 * width - 1, 60));
    const obs = Array.from({ length: n }, () => (BigInt(rand(2 ** 30)) % (2n * span)) - span).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (rand(4) === 0) obs.reverse();
    const observers = Array.from({ length: n }, (_, i) => (rand(6) === 0 ? rand(9) : i));
    out.push(rawHeader(d.configDigest, 1n << 8n, ts - rand(100), 1) + rawFeed(rand(4), observers, width, obs));
  }
  return out;
}
