import { IdleCollection } from './idle-collection';

describe('IdleCollection', () => {
  function collection() {
    const calls: unknown[] = [];
    const idle = new IdleCollection({ idleMs: 1000, collect: () => Promise.resolve(void calls.push('collected')), ignore: (url) => url.startsWith('/health') });
    const listeners: ((req: { url?: string }) => void)[] = [];
    idle.attach({ on: (_event: string, listener: (req: { url?: string }) => void) => listeners.push(listener) } as never);
    idle.stop();
    const request = (url: string) => {
      for (const listener of listeners) listener({ url });
    };
    return { idle, calls, request };
  }

  it('collects once after a quiet period that follows requests, and not again until more arrive', async () => {
    const { idle, calls, request } = collection();
    request('/graphql');
    await idle.check(); // requests arrived since the last check: busy
    expect(calls).toHaveLength(0);
    await idle.check(); // quiet for a whole period
    expect(calls).toEqual(['collected']);
    await idle.check();
    await idle.check();
    expect(calls).toHaveLength(1);
    request('/graphql');
    await idle.check();
    await idle.check();
    expect(calls).toHaveLength(2);
  });

  it('never collects while requests keep arriving, and health probes are not activity', async () => {
    const { idle, calls, request } = collection();
    for (let i = 0; i < 5; i++) {
      request('/graphql');
      await idle.check();
    }
    expect(calls).toHaveLength(0);
    await idle.check();
    expect(calls).toHaveLength(1);
    request('/health/ready');
    await idle.check();
    await idle.check();
    expect(calls).toHaveLength(1);
  });

  it('is off with an idle time of 0', () => {
    expect(new IdleCollection({ idleMs: 0 }).enabled).toBe(false);
  });

  it("collects with V8's low-memory collection by default, in process", async () => {
    await expect(new IdleCollection({ idleMs: 1000 }).collectNow()).resolves.toBeUndefined();
  });
});
