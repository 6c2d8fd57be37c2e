export { createMetrics, METRIC_PREFIX } from "./metrics";
export type { NodeMetrics, CreateMetricsOptions, RoundOutcome, TransmissionOutcome } from "./metrics";
