import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { MSG } from "../../oracle-node/src/protocol/messages";
import { outcome, sleep, type Tally, type Wire } from "./adversary-wire";

/**
 * The outsider's transport attacks (no committee key): trickling connections held on every node
 * port and oversized bodies, from other loopback addresses (ATTACK_ADDRESSES, as an outsider
 * elsewhere on the network), and a flood of unauthenticated envelopes from 127.0.0.1, the address
 * of every peer. A probe from 127.0.0.1 (an operator's or a peer's plain request) asks every
 * node's /v1/ping every 2 s while it runs: `probe` counts answers within 2 s (and refusals by a
 * node the bench has just killed, apart) and `probeMsMax` the slowest answer, the "is the node still reachable" measure of issue 13.
 */
const JUNK_PER_SECOND = 50;
const DEFAULT_SLOW_CONNECTIONS = 300;
const TRICKLE_MS = 5_000;

export function outsiderLoops(wire: Wire, tally: Tally, on: (a: string) => boolean, running: () => boolean): Promise<void>[] {
  const loops: Promise<void>[] = [probeLoop(wire, tally, running)];
  if (on("junk-flood")) loops.push(junkFlood(wire, tally, running));
  if (on("slow-connections")) loops.push(slowConnections(wire, tally, running));
  if (on("oversized-request")) loops.push(oversizedRequests(wire, tally, running));
  return loops;
}

/** Envelopes a node must refuse before any work beyond a signature check: forged sender, stranger, broken signature. */
function junkEnvelope(wire: Wire, to: string, k: number): string {
  const env = wire.seal(to, MSG.observeRequest, 1, 1, { feeds: [0], notBefore: 0 });
  if (k % 3 === 0) return JSON.stringify(env); // signed by a stranger: 403 not-a-peer
  if (k % 3 === 1) return JSON.stringify({ ...env, from: to }); // claims to be a member: 401
  return JSON.stringify({ ...env, signature: "0x" + randomBytes(65).toString("hex") });
}

async function junkFlood(wire: Wire, tally: Tally, running: () => boolean): Promise<void> {
  let k = 0;
  while (running()) {
    const t0 = Date.now();
    await Promise.all(
      wire.peers.map(async ([to, url]) => {
        for (let j = 0; j < JUNK_PER_SECOND / 5; j++) tally.add("junk-flood", outcome(await wire.post(url, junkEnvelope(wire, to, k++), 1_000)));
      }),
    );
    await sleep(Math.max(0, 200 - (Date.now() - t0)));
  }
}

/** Source addresses of the connection attacks: 127.0.0.2 to 127.0.0.21 (all of 127/8 is loopback on Linux). */
const ATTACK_ADDRESSES = Array.from({ length: 20 }, (_, i) => `127.0.0.${i + 2}`);
let nextAddress = 0;
const attackAddress = (): string => ATTACK_ADDRESSES[nextAddress++ % ATTACK_ADDRESSES.length];

/** One trickling request: headers announce a body that arrives one byte every TRICKLE_MS. */
function openSlow(host: string, port: number, tally: Tally, sockets: Set<Socket>): void {
  const s = connect({ host, port, localAddress: attackAddress() });
  sockets.add(s);
  let timer: NodeJS.Timeout | undefined;
  s.on("connect", () => {
    tally.add("slow-connections", "opened");
    s.write(`POST /v1/message HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`);
    timer = setInterval(() => s.write(" "), TRICKLE_MS);
  });
  s.on("error", () => undefined);
  s.on("close", () => {
    clearInterval(timer);
    sockets.delete(s);
    tally.add("slow-connections", "closed-by-node");
  });
}

async function slowConnections(wire: Wire, tally: Tally, running: () => boolean): Promise<void> {
  const per = wire.spec.slowConnections ?? DEFAULT_SLOW_CONNECTIONS;
  const targets = wire.peers.map(([, url]) => new URL(url));
  const pools = targets.map(() => new Set<Socket>());
  while (running()) {
    // Keep `per` connections open on every port: reopen what the node closed.
    targets.forEach((u, i) => {
      for (let k = pools[i].size; k < per; k++) openSlow(u.hostname, Number(u.port), tally, pools[i]);
    });
    await sleep(1_000);
  }
  for (const p of pools) for (const s of p) s.destroy();
}

async function oversizedRequests(wire: Wire, tally: Tally, running: () => boolean): Promise<void> {
  const big = Buffer.alloc(300 * 1024, "x");
  while (running()) {
    for (const [, url] of wire.peers) {
      tally.add("oversized-request", outcome(await wire.post(url, big, 2_000)));
      const u = new URL(url);
      // Announces 1 GB, sends 64 kB, then goes quiet: the node must answer or close, not wait for the rest.
      const s = connect({ host: u.hostname, port: Number(u.port), localAddress: attackAddress() });
      s.on("error", () => undefined);
      s.on("connect", () =>
        s.write(`POST /v1/message HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n` + "x".repeat(65_536)),
      );
      s.on("data", (d) => tally.add("oversized-request", "answered " + d.toString("latin1").slice(9, 12)));
      setTimeout(() => s.destroy(), 5_000);
    }
    await sleep(1_000);
  }
}

/** GET /v1/ping on every node every 2 s: answered within 2 s or not, and the slowest answer. */
async function probeLoop(wire: Wire, tally: Tally, running: () => boolean): Promise<void> {
  while (running()) {
    await Promise.all(
      wire.peers.map(async ([, url]) => {
        const t0 = Date.now();
        try {
          const r = await fetch(url + "/v1/ping", { signal: AbortSignal.timeout(2_000) });
          await r.text();
          tally.add("probe", "answered");
        } catch (err) {
          // Refused: the node is down (the bench kills and restarts nodes), not slow to answer.
          const code = ((err as Error).cause as { code?: string } | undefined)?.code;
          tally.add("probe", code === "ECONNREFUSED" ? "refused-node-down" : "no-answer-2s");
        }
        const ms = Date.now() - t0;
        const cur = tally.counts.probeMsMax?.ms ?? 0;
        if (ms > cur) (tally.counts.probeMsMax ??= {}).ms = ms;
      }),
    );
    await sleep(2_000);
  }
}
