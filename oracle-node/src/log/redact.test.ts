import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { Writable } from "node:stream";
import { Wallet } from "ethers";
import { makeProvider } from "../chain/provider";
import { TxManager } from "../chain/tx-manager";
import { runDoctor } from "../doctor/checks";
import { PeerSendError } from "../transport/peer-network";
import { createLogger } from "./logger";
import { REDACTED, redactDeep, redactText, redactUrl } from "./redact";

/** Issue 13, item 13: an RPC key never leaves the process, whatever sink the URL reaches. */
const PATH_KEY = "Zk3uQ9vX2mPp7LrT4wYb8NcA1sDe6FgH"; // Alchemy-shaped
const QUERY_KEY = "qk-0f9e8d7c6b5a4";
const PASSWORD = "hunter2-rpc-pass";
const SECRETS = [PATH_KEY, QUERY_KEY, PASSWORD];

function expectClean(text: string): void {
  for (const s of SECRETS) expect(text).not.toContain(s);
}

describe("redactUrl", () => {
  it.each([
    ["https://eth-mainnet.g.alchemy.com/v2/" + PATH_KEY, "https://eth-mainnet.g.alchemy.com/v2/[redacted]"],
    ["https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef", "https://mainnet.infura.io/v3/[redacted]"],
    ["https://red-bold.quiknode.pro/9f8e7d6c5b4a39281706f5e4d3c2b1a0/", "https://red-bold.quiknode.pro/[redacted]/"],
    ["https://rpc.example/eth?apikey=" + QUERY_KEY + "&chain=1", "https://rpc.example/eth?apikey=[redacted]&chain=1"],
    ["https://rpc.example/key/short1", "https://rpc.example/key/[redacted]"],
    [`https://alice:${PASSWORD}@rpc.example/`, "https://[redacted]@rpc.example/"],
    ["wss://x.example/ws/v3/0123456789abcdef0123456789abcdef", "wss://x.example/ws/v3/[redacted]"],
  ])("%s", (input, want) => {
    expect(redactUrl(input)).toBe(want);
  });

  it("leaves URLs without credentials exactly as written", () => {
    for (const u of [
      "http://127.0.0.1:8545",
      "https://api.kraken.com/0/public/Ticker?pair=XBTUSD",
      "https://api.binance.com/api/v3/ticker/price?symbol=BTCUSDT",
      "http://127.0.0.1:7001/v1/message",
    ]) {
      expect(redactUrl(u)).toBe(u);
    }
  });

  it("finds URLs inside free text and nested values", () => {
    const msg = `server response 401 (info={ "requestUrl": "https://h.example/v2/${PATH_KEY}", "other": "https://u:${PASSWORD}@h.example" })`;
    expectClean(redactText(msg));
    expect(redactText(msg)).toContain(`"requestUrl": "https://h.example/v2/${REDACTED}"`);
    const deep = redactDeep({ a: [{ b: `see https://h.example/rpc?token=${QUERY_KEY}` }], n: 1, big: 2n });
    expect(deep).toEqual({ a: [{ b: `see https://h.example/rpc?token=${REDACTED}` }], n: 1, big: 2n });
  });
});

describe("every sink, against a real RPC endpoint that refuses the key (401)", () => {
  let server: Server;
  let rpcUrl: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (req.url?.includes("mode=echo")) {
        // Some providers quote the endpoint in their JSON-RPC error: "over quota for https://.../v2/<key>".
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(
          JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: -32005, message: `daily quota exceeded for http://${req.headers.host}${req.url}` } }),
        );
      }
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "invalid api key" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    rpcUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/v2/${PATH_KEY}?apikey=${QUERY_KEY}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  async function rpcError(): Promise<unknown> {
    const provider = makeProvider(rpcUrl, 31337, 2_000);
    try {
      return await provider.send("eth_blockNumber", []).then(
        () => new Error("the RPC answered"),
        (e: unknown) => e,
      );
    } finally {
      provider.destroy();
    }
  }

  it("the ethers error itself carries the key (what the sinks must scrub)", async () => {
    const err = (await rpcError()) as Error;
    expect(err.message).toContain(PATH_KEY);
  });

  it("logs: error objects, string fields, messages and child bindings", async () => {
    let out = "";
    const destination = new Writable({ write: (c, _e, cb) => ((out += c.toString()), cb()) });
    const log = createLogger({ level: "debug", destination });
    const err = await rpcError();
    log.error({ err }, "rpc call failed");
    log.warn({ rpcUrl, nested: { cause: (err as Error).message } }, `calling ${rpcUrl}`);
    log.child({ rpc: `https://bob:${PASSWORD}@rpc.example/` }).info("child logger");
    log.info({ headers: { authorization: "Bearer " + PATH_KEY } }, "request");
    expect(out.split("\n").filter(Boolean)).toHaveLength(4);
    expectClean(out);
    expect(out).toContain("127.0.0.1");
    expect(out).toContain(REDACTED);
  });

  it("transaction outcomes (shown by the API and the dashboard)", async () => {
    let out = "";
    const destination = new Writable({ write: (c, _e, cb) => ((out += c.toString()), cb()) });
    const provider = makeProvider(rpcUrl + "&mode=echo", 31337, 1_000);
    const m = new TxManager({
      provider,
      key: new Wallet(Wallet.createRandom().privateKey).signingKey,
      chainId: 31337,
      sendDeadlineMs: 1_500,
      logger: createLogger({ destination }),
    });
    const o = await m.send({ to: Wallet.createRandom().address, data: "0x", label: "t" });
    provider.destroy();
    // The simulation's JSON-RPC error is final (not a network error): a clean refusal, quoting the endpoint.
    expect(o.status).toBe("reverted");
    expect(o.error?.message).toContain("daily quota exceeded for http://127.0.0.1");
    expectClean(JSON.stringify(o.error));
    expectClean(out);
  });

  it("doctor findings", async () => {
    const findings = await runDoctor({
      rpcUrl,
      expectedChainId: 31337,
      aggregator: Wallet.createRandom().address,
      signer: Wallet.createRandom().address,
      transmitter: Wallet.createRandom().address,
      minBalanceWei: 0n,
      sources: [
        {
          feed: "BTC/USD",
          source: "paid",
          probe: async () => ({ ok: false, error: `http-error: 403 from https://data.example/v1/price?api_key=${QUERY_KEY}` }),
        },
      ],
    });
    const text = JSON.stringify(findings);
    expect(findings.find((f) => f.check === "rpc")?.status).toBe("fail");
    expect(text).toContain("127.0.0.1");
    expectClean(text);
  });

  it("transport errors", () => {
    const e = new PeerSendError("0xpeer", null, "unreachable", `fetch https://u:${PASSWORD}@peer.example/v1/message failed`);
    expectClean(e.message);
  });
});
