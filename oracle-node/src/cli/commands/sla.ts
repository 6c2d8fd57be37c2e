import type { Command } from "commander";
import { formatSlaTable, slaJson } from "../../economics/sla-format";
import { computeSla } from "../../economics/sla";
import { fetchSlaInput } from "../../economics/sla-fetch";
import { chainTarget, type ChainTargetOptions } from "../chain-target";
import { blockNumber } from "../option-parsers";

/**
 * `oracle-node sla --rpc URL --addresses FILE [--from N] [--to N] [--json]`: the committee's
 * service level over a block range, per oracle, from the chain's events alone: inclusion rate,
 * signature share, transmissions (landed / reverted), gas spent and reimbursed, |observation -
 * median| in bps (p50/p95/max) and rewards accrued, claimed and slashed (with an economics
 * contract). Read-only: needs no key.
 */
export function register(program: Command): void {
  program
    .command("sla")
    .description("per-oracle service level over a block range, from the chain's events: inclusion, signatures, transmissions, gas, deviation, rewards")
    .requiredOption("--rpc <url>", "JSON-RPC endpoint")
    .option("--addresses <file>", "addresses file written by `oracle-node deploy` (aggregator and economics contracts)")
    .option("--aggregator <address>", "the QuorumAggregator (instead of --addresses)")
    .option("--economics <address>", "the OracleStaking contract: slashes (default: from --addresses)")
    .option("--rewards <address>", "the OracleRewards contract: rewards accrued and claimed (default: from --addresses)")
    .option("--from <block>", "first block (default: the current config's block)", blockNumber)
    .option("--to <block>", "last block (default: the head)", blockNumber)
    .option("--no-scan", "do not scan the range's blocks for reverted transmissions")
    .option("--json", "print one JSON line instead of a table")
    .action(async (o: ChainTargetOptions & { from?: number; to?: number; scan: boolean; json?: boolean }) => {
      const t = await chainTarget(o);
      try {
        const toBlock = o.to ?? (await t.provider.getBlockNumber());
        const fromBlock = o.from ?? t.configBlockNumber ?? 0;
        const input = await fetchSlaInput({
          provider: t.provider,
          aggregator: t.aggregator,
          fromBlock,
          toBlock,
          scanReverted: o.scan ? undefined : false,
          economics: t.economicsTotals,
        });
        const sla = computeSla(input);
        process.stdout.write(o.json ? `${JSON.stringify(slaJson(sla))}\n` : `${formatSlaTable(sla)}\n`);
      } finally {
        t.provider.destroy();
      }
    });
}
