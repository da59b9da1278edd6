// Work the sandbox started on its own (async Lambda invocations, Step Functions executions), so
// idle() can wait until all of it, including work started by that work, has settled.

export class BackgroundWork {
  private readonly pending = new Set<Promise<void>>();

  /** Runs `task` on a later tick; a failure is the task's own business and never escapes. */
  start(task: () => Promise<void>): void {
    const running: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .catch(() => undefined)
      .finally(() => this.pending.delete(running));
    this.pending.add(running);
  }

  get size(): number {
    return this.pending.size;
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
