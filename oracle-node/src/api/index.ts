export { createApiServer, startApiServer, summarizeFeed } from "./server";
export type { ApiServerOptions, RunningApiServer } from "./server";
export * from "./state";
