import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A real HTTP server on 127.0.0.1 (port 0) that replays canned venue answers, for adapter
 * tests. Not the venue simulator: it answers exactly what a test tells it to, and records
 * what it was asked and which sockets closed.
 */
export interface Canned {
  status?: number;
  headers?: Record<string, string>;
  /** JSON body (serialized with JSON.stringify). */
  body?: unknown;
  /** Raw body text (keeps number digits exactly as written). */
  text?: string;
  /** Never answer (timeout tests). */
  hang?: boolean;
  delayMs?: number;
}

export type Responder = (pathAndQuery: string, req: IncomingMessage) => Canned;

export interface FixtureServer {
  baseUrl: string;
  /** Paths (with query) of every request received, in order. */
  requests: string[];
  /** Sockets the client closed (or that were destroyed) so far. */
  closedSockets: () => number;
  /** Replace how the server answers. */
  respond: (r: Responder) => void;
  /** Answer these in turn (the last one repeats). */
  sequence: (answers: Canned[]) => void;
  close: () => Promise<void>;
}

export async function startFixtureServer(initial: Responder = () => ({ status: 404, text: "no fixture" })): Promise<FixtureServer> {
  let responder = initial;
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let closed = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? "/";
    requests.push(path);
    const c = responder(path, req);
    if (c.hang) return;
    const send = () => {
      const text = c.text ?? (c.body === undefined ? "" : JSON.stringify(c.body));
      res.writeHead(c.status ?? 200, { "content-type": c.text !== undefined ? "text/plain" : "application/json", ...c.headers });
      res.end(text);
    };
    if (c.delayMs) setTimeout(send, c.delayMs);
    else send();
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => {
      sockets.delete(s);
      closed += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    closedSockets: () => closed,
    respond: (r) => {
      responder = r;
    },
    sequence: (answers) => {
      let i = 0;
      responder = () => answers[Math.min(i++, answers.length - 1)];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
