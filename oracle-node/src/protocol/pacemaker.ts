/**
 * Epoch-change votes (the pacemaker). A node that sees its leader fail (an overdue feed not
 * reported within the progress timeout) votes for the next epoch. A node joins a vote once f+1
 * oracles want a higher epoch (at least one of them is honest), and enters an epoch once 2f+1
 * oracles want it or more, so a faulty minority can neither force nor block an epoch change.
 */
export class EpochVotes {
  private readonly votes = new Map<number, number>();

  /** Records oracle `index` wanting epoch `epoch` (a vote only ever rises). */
  record(index: number, epoch: number): void {
    const prev = this.votes.get(index) ?? -1;
    if (epoch > prev) this.votes.set(index, epoch);
  }

  /** The highest epoch at least `count` oracles want (each vote counts for every lower epoch), or -1. */
  private kth(count: number): number {
    const sorted = [...this.votes.values()].sort((a, b) => b - a);
    return sorted.length >= count ? sorted[count - 1] : -1;
  }

  /** Highest epoch with f+1 votes: join the vote for it. */
  joinable(f: number): number {
    return this.kth(f + 1);
  }

  /** Highest epoch with 2f+1 votes: enter it. */
  enterable(f: number): number {
    return this.kth(2 * f + 1);
  }

  /** Forgets votes at or below an epoch already entered. */
  prune(entered: number): void {
    for (const [k, v] of this.votes) if (v <= entered) this.votes.delete(k);
  }
}
