/**
 * Runs requests to every peer at once and resolves as soon as the caller has enough answers:
 * when `enough()` turns true (after an optional grace for stragglers), when every request has
 * settled, or at the timeout. Slow peers never hold a round up; their late answers are ignored.
 */
export function collect<T>(
  tasks: ReadonlyArray<() => Promise<T>>,
  onResult: (result: T, index: number) => void,
  onError: (err: unknown, index: number) => void,
  enough: () => boolean,
  timeoutMs: number,
  graceMs = 0,
): Promise<void> {
  return new Promise((resolve) => {
    let settled = 0;
    let finished = false;
    let grace: NodeJS.Timeout | null = null;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (grace) clearTimeout(grace);
      resolve();
    };
    const timer = setTimeout(finish, timeoutMs);
    const check = () => {
      if (finished) return;
      if (settled === tasks.length) return finish();
      if (enough()) {
        if (graceMs <= 0) return finish();
        if (!grace) grace = setTimeout(finish, graceMs);
      }
    };
    tasks.forEach((task, i) => {
      task()
        .then(
          (r) => {
            if (!finished) onResult(r, i);
          },
          (err) => {
            if (!finished) onError(err, i);
          },
        )
        .finally(() => {
          settled += 1;
          check();
        });
    });
    if (tasks.length === 0) finish();
  });
}
