import { Logger } from '@nestjs/common';
import { PeriodicTask } from './periodic-task';

describe('PeriodicTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const deferred = () => {
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  };

  it('stays off with an interval of 0', async () => {
    const task = jest.fn(() => Promise.resolve());
    const schedule = new PeriodicTask('Test task', new Logger('test'), task);
    schedule.start(0);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(task).not.toHaveBeenCalled();
    await schedule.stop();
  });

  it('never overlaps two runs, and stop waits for the run in flight', async () => {
    const run = deferred();
    const task = jest.fn(() => run.promise);
    const schedule = new PeriodicTask('Test task', new Logger('test'), task);
    schedule.start(100);
    await jest.advanceTimersByTimeAsync(350);
    expect(task).toHaveBeenCalledTimes(1);
    let stopped = false;
    const stopping = schedule.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    run.resolve();
    await stopping;
    expect(stopped).toBe(true);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(task).toHaveBeenCalledTimes(1);
  });

  it('logs a failed run and runs again at the next tick', async () => {
    const logger = new Logger('test');
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const task = jest.fn().mockRejectedValueOnce(new Error('boom')).mockResolvedValue(undefined);
    const schedule = new PeriodicTask('Test task', logger, task);
    schedule.start(100);
    await jest.advanceTimersByTimeAsync(250);
    expect(task).toHaveBeenCalledTimes(2);
    expect(logged).toHaveBeenCalledWith('Test task failed: boom');
    await schedule.stop();
  });
});
