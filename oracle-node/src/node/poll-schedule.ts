import { createTask, type Logger as CronLogger, type ScheduledTask } from "node-cron";
import type { Logger } from "../log/logger";
import { silentLogger } from "../log/logger";
import { pollCadence, type PollCadence } from "./poll-cadence";

/**
 * Drives each feed's polling at its own `pollIntervalMs`, on node-cron (whole seconds and
 * above) or an aligned timer (under a second; see poll-cadence.ts). Feeds with the same
 * interval tick together and are polled in one call, so feeds due at the same moment land in
 * one observation and one batched report. A tick that fires while the previous poll of the
 * same feeds is still running is skipped, not stacked, and counted. `stop()` stops the ticks
 * and then waits for the polls in flight (node-cron's own `stop()` does not wait).
 */
export interface PollTarget {
  /** The feed's index; what `poll` receives. */
  key: number;
  /** Named in errors and logs ("BTC/USD"). */
  name: string;
  intervalMs: number;
}

export interface PollStats {
  /** Polls started for this feed (the first one at start included). */
  polls: number;
  /** Ticks skipped because the previous poll of this feed was still running. */
  skipped: number;
  /** Ticks node-cron could not fire on time (the event loop was blocked past its tolerance). */
  missed: number;
  /** Polls that threw (logged, never fatal). */
  failures: number;
  /** When the last poll started, unix ms; null before the first. */
  lastPollAt: number | null;
}

export interface PollScheduleOptions {
  targets: readonly PollTarget[];
  /** Fetches and observes these feeds. Errors are logged and counted; the schedule goes on. */
  poll: (keys: number[]) => Promise<void>;
  logger?: Logger;
  /** Poll every feed once at `start()`, in one call, instead of waiting for the first tick. */
  pollAtStart?: boolean;
}

/** Skipped ticks are logged at warn at most this often per interval (debug otherwise): no log storm. */
const SKIP_WARN_INTERVAL_MS = 60_000;

interface Group {
  cadence: PollCadence;
  keys: number[];
  inflight: Promise<void> | null;
  task: ScheduledTask | null;
  timer: NodeJS.Timeout | null;
  warnedAt: number;
  /** The aligned instant the sub-second timer fires at next, unix ms. */
  nextAt: number;
}

export class PollSchedule {
  private readonly groups: Group[] = [];
  private readonly stats = new Map<number, PollStats>();
  private readonly log: Logger;
  private readonly initial = new Set<Promise<void>>();
  private running = false;

  constructor(private readonly opts: PollScheduleOptions) {
    this.log = (opts.logger ?? silentLogger).child({ component: "poll-schedule" });
    if (opts.targets.length === 0) throw new Error("poll schedule: no feeds to poll");
    const byInterval = new Map<number, Group>();
    for (const t of opts.targets) {
      if (this.stats.has(t.key)) throw new Error(`poll schedule: feed index ${t.key} (${t.name}) appears twice`);
      let cadence: PollCadence;
      try {
        cadence = pollCadence(t.intervalMs);
      } catch (err) {
        throw new Error(`feed ${t.name}: ${(err as Error).message}`);
      }
      const g = byInterval.get(t.intervalMs) ?? { cadence, keys: [], inflight: null, task: null, timer: null, warnedAt: -Infinity, nextAt: 0 };
      g.keys.push(t.key);
      byInterval.set(t.intervalMs, g);
      this.stats.set(t.key, { polls: 0, skipped: 0, missed: 0, failures: 0, lastPollAt: null });
    }
    this.groups = [...byInterval.values()].sort((a, b) => a.cadence.intervalMs - b.cadence.intervalMs);
  }

  /** One line per distinct interval: what drives it and which feeds it polls. */
  describe(): Array<{ intervalMs: number; schedule: string; keys: number[] }> {
    return this.groups.map((g) => ({
      intervalMs: g.cadence.intervalMs,
      schedule: g.cadence.kind === "cron" ? g.cadence.expression : `timer every ${g.cadence.intervalMs} ms`,
      keys: [...g.keys],
    }));
  }

  statsFor(key: number): PollStats {
    const s = this.stats.get(key);
    if (!s) throw new Error(`poll schedule: no feed index ${key}`);
    return { ...s };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.opts.pollAtStart) {
      const all = this.groups.flatMap((g) => g.keys);
      const p = this.run(all);
      for (const g of this.groups) g.inflight = p;
      this.initial.add(p);
      void p.finally(() => {
        this.initial.delete(p);
        for (const g of this.groups) if (g.inflight === p) g.inflight = null;
      });
    }
    for (const g of this.groups) {
      if (g.cadence.kind === "cron") {
        g.task = createTask(g.cadence.expression, () => this.tick(g), {
          name: `poll-${g.cadence.intervalMs}ms`,
          // A fixed interval must keep firing across daylight-saving changes.
          timezone: "UTC",
          logger: this.cronLogger(),
        });
        g.task.on("execution:missed", (ctx) => {
          for (const k of g.keys) this.stats.get(k)!.missed += 1;
          this.log.warn({ feeds: g.keys, at: ctx.date.toISOString() }, "poll tick missed: the event loop was blocked");
        });
        Promise.resolve(g.task.start()).catch((err) => this.log.error({ err: (err as Error)?.message ?? String(err) }, "poll task did not start"));
      } else {
        this.armTimer(g);
      }
    }
    this.log.info({ schedules: this.describe() }, "polling scheduled");
  }

  /** Stops every tick, then waits for the polls in flight to finish. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const g of this.groups) {
      if (g.timer) clearTimeout(g.timer);
      g.timer = null;
      try {
        if (g.task) await g.task.destroy();
      } catch (err) {
        this.log.warn({ err: (err as Error)?.message ?? String(err) }, "poll task did not stop cleanly");
      }
      g.task = null;
    }
    await Promise.allSettled([...this.groups.map((g) => g.inflight), ...this.initial]);
  }

  private armTimer(g: Group): void {
    // Aligned to the clock like the cron ticks: fire at the next multiple of the interval after
    // the tick just fired (a timer may fire a millisecond early: that must not tick twice).
    const ms = g.cadence.intervalMs;
    g.nextAt = (Math.floor(Math.max(Date.now(), g.nextAt) / ms) + 1) * ms;
    g.timer = setTimeout(() => {
      if (!this.running) return;
      this.tick(g);
      this.armTimer(g);
    }, g.nextAt - Date.now());
  }

  private tick(g: Group): void {
    if (!this.running) return;
    if (g.inflight) {
      for (const k of g.keys) this.stats.get(k)!.skipped += 1;
      const now = Date.now();
      const loud = now - g.warnedAt >= SKIP_WARN_INTERVAL_MS;
      if (loud) g.warnedAt = now;
      const fields = { feeds: g.keys, intervalMs: g.cadence.intervalMs, skipped: this.stats.get(g.keys[0])!.skipped };
      const msg = "poll tick skipped: the previous poll of these feeds is still running (sources slower than the interval)";
      if (loud) this.log.warn(fields, msg);
      else this.log.debug(fields, msg);
      return;
    }
    const p = this.run(g.keys);
    g.inflight = p;
    void p.finally(() => {
      if (g.inflight === p) g.inflight = null;
    });
  }

  private async run(keys: number[]): Promise<void> {
    const now = Date.now();
    for (const k of keys) {
      const s = this.stats.get(k)!;
      s.polls += 1;
      s.lastPollAt = now;
    }
    try {
      await this.opts.poll(keys);
    } catch (err) {
      for (const k of keys) this.stats.get(k)!.failures += 1;
      this.log.error({ feeds: keys, err: (err as Error)?.message ?? String(err) }, "poll failed");
    }
  }

  private cronLogger(): CronLogger {
    const log = this.log;
    return {
      info: (m) => log.debug(m),
      warn: (m) => log.warn(m),
      error: (m, err) => log.error({ err: (err ?? m) instanceof Error ? ((err ?? m) as Error).message : String(m) }, "node-cron error"),
      debug: (m) => log.debug(typeof m === "string" ? m : m.message),
    };
  }
}
