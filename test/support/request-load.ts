import { randomUUID } from 'node:crypto';

export interface LoadOutcome {
  /** `ok`, or the HTTP status and the first error's code, or `hung`/`network` for requests that got no answer. */
  outcome: string;
  ms: number;
}

export interface LoadReport {
  requests: number;
  /** Counts per outcome (see LoadOutcome). */
  outcomes: Partial<Record<string, number>>;
  slowestMs: number;
  /** Ids of the clients whose creation the API acknowledged (answered with the new client). */
  acknowledgedClientIds: string[];
}

export interface RunningLoad {
  /** Stops starting new requests, waits for those in flight, and reports. */
  stop(): Promise<LoadReport>;
}

const CREATE = `mutation($input: CreateClientInput!) { createClient(input: $input) { id } }`;
const LIST = `{ clients(first: 5) { edges { node { id name } } } }`;

interface Options {
  url: string;
  token: string;
  concurrency: number;
  /** A request unanswered after this long is abandoned and counted as `hung`. */
  hungAfterMs: number;
}

/**
 * Concurrent clients of the GraphQL endpoint, each alternating a write (createClient) and a read (clients), the
 * way a fleet of users would; a client whose request failed waits a little before the next, as real ones do.
 */
export function startRequestLoad({ url, token, concurrency, hungAfterMs }: Options): RunningLoad {
  let running = true;
  // Read through a call: the clients' loops check it after each await, when stop() may have changed it.
  const isRunning = () => running;
  const outcomes: Partial<Record<string, number>> = {};
  const acknowledged: string[] = [];
  let requests = 0;
  let slowestMs = 0;

  const send = async (query: string, variables?: Record<string, unknown>): Promise<{ outcome: string; data?: Record<string, unknown> }> => {
    const started = Date.now();
    let outcome: string;
    let data: Record<string, unknown> | undefined;
    try {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(hungAfterMs),
      });
      const body = (await response.json()) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
      if (response.status === 200 && body.data && !body.errors?.length) {
        outcome = 'ok';
        data = body.data;
      } else {
        outcome = `${response.status} ${body.errors?.[0]?.extensions?.code ?? 'no code'}`;
      }
    } catch (error) {
      // fetch rejects with a DOMException, which is not an Error of the test's realm under Jest.
      outcome = (error as { name?: unknown } | null)?.name === 'TimeoutError' ? 'hung' : 'network';
    }
    const ms = Date.now() - started;
    requests += 1;
    slowestMs = Math.max(slowestMs, ms);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    return { outcome, data };
  };

  const client = async (): Promise<void> => {
    while (isRunning()) {
      const created = await send(CREATE, { input: { name: `Load ${randomUUID()}` } });
      const id = (created.data?.createClient as { id?: string } | undefined)?.id;
      if (id) acknowledged.push(id);
      if (!isRunning()) break;
      const listed = await send(LIST);
      if (created.outcome !== 'ok' || listed.outcome !== 'ok') await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const clients = Array.from({ length: concurrency }, () => client());
  return {
    async stop() {
      running = false;
      await Promise.all(clients);
      return { requests, outcomes, slowestMs, acknowledgedClientIds: acknowledged };
    },
  };
}
