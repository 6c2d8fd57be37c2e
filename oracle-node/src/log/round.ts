/**
 * The round-id logging convention: every line a node writes while working on one round carries
 * `roundId`, so `jq 'select(.roundId=="7:3")'` shows the whole round
 * (fetch, filter, observation, report, transmission) across every node's log.
 *
 * roundId is "<epoch>:<round>", the same pair the report carries; feed is the feed id.
 */
export function formatRoundId(epoch: number | bigint, round: number | bigint): string {
  return `${epoch}:${round}`;
}
