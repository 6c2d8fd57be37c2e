import { FetchRequest, JsonRpcProvider, Network } from "ethers";

/** An RPC call slower than this is abandoned (ethers' default is 5 minutes). */
export const RPC_TIMEOUT_MS = 5_000;

/**
 * A JSON-RPC provider for the node: fixed network (no network detection loop when the endpoint
 * is down), no response cache (ethers caches for 250 ms by default, which hands back a stale
 * nonce to back-to-back transactions), no batching (one request, one answer, one timeout).
 */
export function makeProvider(rpcUrl: string, chainId: number, timeoutMs = RPC_TIMEOUT_MS): JsonRpcProvider {
  const req = new FetchRequest(rpcUrl);
  req.timeout = timeoutMs;
  return new JsonRpcProvider(req, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1, batchMaxCount: 1, pollingInterval: 250 });
}
