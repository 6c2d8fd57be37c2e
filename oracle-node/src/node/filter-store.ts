import type { Logger } from "../log/logger";
import { FilterState } from "../filter/state";

/**
 * The filter's per-source history across restarts: read once at startup (an unreadable blob
 * starts fresh), written at most every `intervalMs` after a poll and once more at stop.
 */
const FILTER_STATE_NAME = "filter";

export interface FilterBlobStore {
  loadFilterState(name: string): Buffer | null;
  saveFilterState(name: string, blob: Uint8Array): void;
}

export function loadFilterState(store: FilterBlobStore, log: Logger): FilterState {
  const saved = store.loadFilterState(FILTER_STATE_NAME);
  if (!saved) return new FilterState();
  try {
    return FilterState.fromJSON(JSON.parse(saved.toString("utf8")));
  } catch (err) {
    log.warn({ err: (err as Error).message }, "stored filter state unreadable: starting fresh");
    return new FilterState();
  }
}

export class FilterStateSaver {
  private lastSave = 0;

  constructor(
    private readonly store: FilterBlobStore,
    private readonly state: FilterState,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Saves unless the last save is younger than the interval (`force`: always). */
  save(force: boolean): void {
    const now = this.now();
    if (!force && now - this.lastSave < this.intervalMs) return;
    this.lastSave = now;
    try {
      this.store.saveFilterState(FILTER_STATE_NAME, Buffer.from(JSON.stringify(this.state.toJSON()), "utf8"));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "filter state not saved");
    }
  }
}
