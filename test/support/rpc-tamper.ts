import { createServer, type IncomingMessage, type Server } from "node:http";

/**
 * A loopback JSON-RPC endpoint in front of a real node that can be told to lie, for the provider
 * pool's tests: forward honestly, answer another chain id, report a head behind the real one
 * (lagging) or a head that jumps back, fail every request with HTTP 503, or hang. It counts the
 * requests it saw per method (e.g. how many `eth_sendRawTransaction` reached it).
 */
export type TamperMode = { kind: "honest" } | { kind: "wrong-chain"; chainId: number } | { kind: "lag"; blocks: number } | { kind: "down" } | { kind: "hang" };

export class RpcTamper {
  mode: TamperMode = { kind: "honest" };
  readonly seen = new Map<string, number>();
  private server: Server | null = null;
  port = 0;

  constructor(private readonly upstream: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  count(method: string): number {
    return this.seen.get(method) ?? 0;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        (answer) => {
          if (answer === null) return; // hang: never answer (closed by stop())
          res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
        },
        () => res.writeHead(502).end(),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: string } | null> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const payload = JSON.parse(text) as { id: number; method: string };
    this.seen.set(payload.method, this.count(payload.method) + 1);
    const m = this.mode;
    if (m.kind === "down") return { status: 503, body: "unavailable" };
    if (m.kind === "hang") return null;
    if (m.kind === "wrong-chain" && payload.method === "eth_chainId") {
      return { status: 200, body: JSON.stringify({ jsonrpc: "2.0", id: payload.id, result: `0x${m.chainId.toString(16)}` }) };
    }
    const res = await fetch(this.upstream, { method: "POST", headers: { "content-type": "application/json" }, body: text });
    const body = await res.text();
    if (m.kind === "lag" && payload.method === "eth_blockNumber") {
      const real = Number.parseInt((JSON.parse(body) as { result: string }).result, 16);
      const head = Math.max(0, real - m.blocks);
      return { status: 200, body: JSON.stringify({ jsonrpc: "2.0", id: payload.id, result: `0x${head.toString(16)}` }) };
    }
    return { status: res.status, body };
  }
}
