import type { Logger } from '@nestjs/common';

/**
 * Runs a background task on this instance every interval, never two runs at once (a run that takes longer than the
 * interval makes the next tick skip). `stop` waits for the run in flight, so shutdown does not cut a job's transaction.
 * The timer does not keep the process alive. Cross-instance exclusion is the task's own (advisory or row locks).
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly description: string,
    private readonly logger: Logger,
    private readonly task: () => Promise<unknown>,
  ) {}

  /** Starts the schedule; an interval of 0 leaves it off (tests drive the task themselves). */
  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.task()
        .catch((error: unknown) => {
          this.logger.error(`${this.description} failed: ${error instanceof Error ? error.message : String(error)}`);
        })
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
