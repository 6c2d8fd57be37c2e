import { describe, expect, it } from "vitest";
import { silentLogger } from "../log/logger";
import { PeerSendError, type InboundMessage } from "../transport/peer-network";
import { MSG } from "../protocol/messages";
import { SIGNERS } from "../../../test/support/node-fixtures";
import { PeerHealth, type PeerSender } from "./peer-health";

function health(send: PeerSender["send"]) {
  let now = 100_000;
  const events: string[] = [];
  const up: Array<[string, boolean]> = [];
  const sent: Array<{ to: string; type: string }> = [];
  const ph = new PeerHealth({
    net: {
      send: (to, type, ...rest) => {
        sent.push({ to, type });
        return send(to, type, ...rest);
      },
    },
    signers: SIGNERS,
    myIndex: 0,
    timeoutMs: 500,
    probeMs: 4_000,
    sink: {
      peerOk: (i) => events.push(`ok ${i}`),
      peerError: (i, e) => events.push(`error ${i} ${e}`),
      peerRefused: (i, e) => events.push(`refused ${i} ${e}`),
    },
    peerUp: (peer, u) => up.push([peer, u]),
    log: silentLogger,
    now: () => now,
  });
  return { ph, events, up, sent, advance: (ms: number) => (now += ms) };
}

const reply: InboundMessage = { from: SIGNERS[1], type: "x", epoch: 0, round: 0, payload: {} } as unknown as InboundMessage;

describe("PeerHealth", () => {
  it("an answer marks the peer up", async () => {
    const t = health(async () => reply);
    expect(await t.ph.send(1, MSG.ping, 0, 0, {})).toBe(reply);
    expect(t.events).toEqual(["ok 1"]);
    expect(t.up).toEqual([[SIGNERS[1], true]]);
  });

  it("a refusal (4xx) keeps the peer up; a timeout or 5xx marks it down; the error still reaches the caller", async () => {
    const t = health(async (to) => {
      if (to === SIGNERS[1]) throw new PeerSendError(to, 409, "wrong-epoch", "behind");
      throw new PeerSendError(to, null, "timeout", "no answer");
    });
    await expect(t.ph.send(1, MSG.ping, 0, 0, {})).rejects.toThrow(PeerSendError);
    await expect(t.ph.send(2, MSG.ping, 0, 0, {})).rejects.toThrow(PeerSendError);
    expect(t.events).toHaveLength(2);
    expect(t.events[0]).toMatch(/^refused 1 wrong-epoch: .*behind$/);
    expect(t.events[1]).toMatch(/^error 2 timeout: .*no answer$/);
    expect(t.up).toEqual([[SIGNERS[2], false]]);
  });

  it("a message heard from a peer proves it alive; one from itself is not recorded", async () => {
    const t = health(async () => null);
    const h = t.ph.heard(async (m) => m.round);
    expect(await h({ ...reply, from: SIGNERS[3].toLowerCase(), round: 7 })).toBe(7);
    await h({ ...reply, from: SIGNERS[0] });
    expect(t.events).toEqual(["ok 3"]);
  });

  it("probes only peers neither heard from nor probed within probeMs", async () => {
    const t = health(async () => null);
    await t.ph.heard(async () => null)({ ...reply, from: SIGNERS[2] });
    t.ph.probe(0);
    expect(t.sent.map((s) => s.to)).toEqual([SIGNERS[1], SIGNERS[3]]);
    t.advance(3_999);
    t.ph.probe(0);
    expect(t.sent).toHaveLength(2);
    t.advance(1);
    t.ph.probe(0);
    expect(t.sent.map((s) => s.type)).toEqual(Array(5).fill(MSG.ping));
  });
});
