/**
 * The simulator's clock: time moves in steps (a model step, or a scenario round divided by the
 * replay speed). On the wall clock a step passes every `stepMs`; on a manual clock only when a
 * test calls `advance`, so it can compare what a venue served with what the model says.
 */
export type ClockMode = "wall" | "manual";

export class SimClock {
  private readonly startMs: number;
  /** Steps count on a monotonic clock: a wall-clock adjustment never moves the market back. */
  private readonly startMono: number;
  private manualStep = 0;
  private readonly manualTimes: number[];

  constructor(
    readonly stepMs: number,
    readonly mode: ClockMode,
    private readonly wallNow: () => number = Date.now,
    private readonly monoNow: () => number = () => performance.now(),
  ) {
    if (!(stepMs > 0)) throw new Error(`clock stepMs must be > 0, got ${stepMs}`);
    this.startMs = wallNow();
    this.startMono = monoNow();
    this.manualTimes = [this.startMs];
  }

  now(): number {
    return this.wallNow();
  }

  /** The current step: 0 at start. */
  step(): number {
    if (this.mode === "manual") return this.manualStep;
    return Math.max(0, Math.floor((this.monoNow() - this.startMono) / this.stepMs));
  }

  /** When step k began, unix ms: the timestamp venues put on its quotes. */
  stepTime(k: number): number {
    if (this.mode === "manual") return this.manualTimes[Math.min(k, this.manualTimes.length - 1)];
    return this.startMs + k * this.stepMs;
  }

  /** Manual clock only: moves `steps` steps forward. */
  advance(steps = 1): number {
    if (this.mode !== "manual") throw new Error('advance() needs a manual clock (clock: "manual")');
    if (!Number.isInteger(steps) || steps < 0) throw new Error(`advance(steps) needs a non-negative integer, got ${steps}`);
    for (let i = 0; i < steps; i++) {
      this.manualStep += 1;
      this.manualTimes.push(this.wallNow());
    }
    return this.manualStep;
  }
}
