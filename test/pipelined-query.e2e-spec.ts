import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/database/embedded-postgres';
import { queryRawText, type PipelinedStatement } from '../src/database/pipelined-query';

/** The pieces of pg's connection the test watches: what is written, and the messages PostgreSQL answers with. */
interface WatchedConnection {
  stream: { write: (chunk: Buffer, ...rest: unknown[]) => boolean };
  parse: (config: unknown) => void;
  on(event: string, listener: () => void): void;
}

/** Counts the Syncs and Parses a client sends and the ReadyForQuery messages it receives. */
function watch(client: pg.Client) {
  const connection = (client as unknown as { connection: WatchedConnection }).connection;
  const counts = { syncs: 0, parses: 0, readyForQuery: 0 };
  const write = connection.stream.write.bind(connection.stream);
  connection.stream.write = (chunk: Buffer, ...rest: unknown[]) => {
    // pg writes Sync as its own 5-byte message: 'S' and the length 4.
    if (chunk.length === 5 && chunk[0] === 0x53) counts.syncs += 1;
    return write(chunk, ...rest);
  };
  const parse = connection.parse.bind(connection);
  connection.parse = (config: unknown) => {
    counts.parses += 1;
    parse(config);
  };
  connection.on('readyForQuery', () => {
    counts.readyForQuery += 1;
  });
  return counts;
}

const SESSION: PipelinedStatement = {
  name: 'pipelined_test_session',
  text: `select set_config('role', $1, true), set_config('app.pipelined_test', $2, true)`,
  values: ['pg_monitor', 'from the first statement'],
};
const SEEN: PipelinedStatement = {
  name: 'pipelined_test_seen',
  text: `select json_build_object('user', current_user, 'setting', current_setting('app.pipelined_test', true))::text`,
  values: [],
};

interface Database {
  url: string;
  /** PGlite serves every socket connection from one backend session: prepared statements outlive a connection. */
  sharedSession: boolean;
  stop: () => Promise<void>;
}

// The run's database (a real PostgreSQL server when DATABASE_URL names one), and always an embedded PGlite of its own.
const targets: [string, () => Promise<Database>][] = [
  [
    'PGlite socket server',
    async () => {
      const embedded: EmbeddedPostgres = await startEmbeddedPostgres({ maxConnections: 8 });
      return { url: embedded.url, sharedSession: true, stop: () => embedded.stop() };
    },
  ],
];
if (process.env.TEST_EMBEDDED_DATABASE !== '1' && process.env.DATABASE_URL) {
  const url = process.env.DATABASE_URL;
  targets.push(['PostgreSQL (DATABASE_URL)', () => Promise.resolve({ url, sharedSession: false, stop: () => Promise.resolve() })]);
}

describe.each(targets)('queryRawText on %s', (_name, open) => {
  let database: Database;
  let client: pg.Client;
  let counts: ReturnType<typeof watch>;

  beforeAll(async () => {
    database = await open();
  });
  afterAll(() => database.stop());
  beforeEach(async () => {
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    // What a fresh PostgreSQL connection starts with, which PGlite's shared session does not give a new connection.
    if (database.sharedSession) await client.query('deallocate all');
    counts = watch(client);
  });
  afterEach(() => client.end());

  const preparedHere = async (): Promise<string[]> =>
    (await client.query<{ name: string }>(`select name from pg_prepared_statements where name like 'pipelined_test_%' order by name`)).rows.map(
      (row) => row.name,
    );

  it('runs the statements in one round trip and one transaction, the first one’s settings holding for the last', async () => {
    const text = await queryRawText(client, [SESSION, SEEN]);
    expect(counts).toMatchObject({ syncs: 1, readyForQuery: 1 });
    // The raw text, unparsed.
    expect(text).toBe('{"user" : "pg_monitor", "setting" : "from the first statement"}');
    // The settings were local to the implicit transaction, which ended at the Sync.
    const after = await client.query<{ user: string; setting: string | null }>(
      `select current_user as user, current_setting('app.pipelined_test', true) as setting`,
    );
    expect(after.rows[0].user).not.toBe('pg_monitor');
    expect(after.rows[0].setting ?? '').toBe('');
  });

  it('parses a named statement once per connection, sharing pg’s own bookkeeping', async () => {
    await queryRawText(client, [SESSION, SEEN]);
    await queryRawText(client, [SESSION, SEEN]);
    expect(counts.parses).toBe(2);
    expect(await preparedHere()).toEqual(['pipelined_test_seen', 'pipelined_test_session']);
    // pg's named queries find the statement prepared, and send no Parse for it.
    const named = await client.query<{ json_build_object: string }>({ name: SEEN.name, text: SEEN.text, values: [] });
    expect(named.rows).toHaveLength(1);
    expect(counts.parses).toBe(2);
    // And a name pg prepared is not parsed again by a pipeline.
    await client.query({ name: 'pipelined_test_by_pg', text: 'select $1::int + 1 as n', values: [1] });
    expect(await queryRawText(client, [{ name: 'pipelined_test_by_pg', text: 'select $1::int + 1 as n', values: [41] }])).toBe('42');
    expect(counts.parses).toBe(3);
    await expect(queryRawText(client, [{ name: SEEN.name, text: 'select 2', values: [] }])).rejects.toThrow(/must be unique/);
  });

  it('sends values as pg does: NULL, arrays, dates, numbers, booleans and JSON', async () => {
    const when = new Date('2026-03-04T05:06:07.089Z');
    const text = await queryRawText(client, [
      {
        name: '',
        text: `select json_build_object('null', $1::text is null, 'array', $2::text[], 'nested', $3::int[], 'date', $4::timestamptz = '2026-03-04T05:06:07.089Z',
                 'number', $5::numeric, 'bool', $6::boolean, 'json', $7::jsonb -> 'a', 'quoted', $8::text[])::text`,
        values: [
          null,
          ['a', null, 'c,d'],
          [
            [1, 2],
            [3, 4],
          ],
          when,
          12.5,
          true,
          { a: [1, 'x'] },
          ['say "hi"', 'back\\slash'],
        ],
      },
    ]);
    expect(JSON.parse(text ?? 'null')).toEqual({
      null: true,
      array: ['a', null, 'c,d'],
      nested: [
        [1, 2],
        [3, 4],
      ],
      date: true,
      number: 12.5,
      bool: true,
      json: [1, 'x'],
      quoted: ['say "hi"', 'back\\slash'],
    });
  });

  it('answers null when the last statement returns no row or NULL, and the first row only', async () => {
    expect(await queryRawText(client, [{ name: '', text: 'select 1 where false', values: [] }])).toBeNull();
    expect(await queryRawText(client, [{ name: '', text: 'select null::text', values: [] }])).toBeNull();
    expect(await queryRawText(client, [{ name: '', text: 'select g, g + 1 from generate_series(7, 9) g', values: [] }])).toBe('7');
  });

  it('rejects with the DatabaseError after ReadyForQuery, and leaves the connection usable', async () => {
    const failing = queryRawText(client, [SESSION, { name: '', text: 'select 1 / $1::int', values: [0] }]);
    await expect(failing).rejects.toMatchObject({ code: '22012', message: 'division by zero' });
    await expect(failing).rejects.toBeInstanceOf(pg.DatabaseError);
    expect(counts.readyForQuery).toBe(1);
    // The transaction rolled back: the first statement's role is gone, and the next pipeline runs normally.
    expect(await queryRawText(client, [{ name: '', text: 'select current_user', values: [] }])).not.toBe('pg_monitor');
    expect(await queryRawText(client, [SESSION, SEEN])).toContain('pg_monitor');
  });

  it('does not remember a named statement whose Parse failed, nor one skipped after an error', async () => {
    const broken: PipelinedStatement = { name: 'pipelined_test_broken', text: 'select from_nowhere', values: [] };
    await expect(queryRawText(client, [broken, SEEN])).rejects.toMatchObject({ code: '42703' });
    expect(await preparedHere()).toEqual([]);
    // SEEN was skipped after the error: it is parsed now, and prepared from then on.
    const parses = counts.parses;
    expect(await queryRawText(client, [SESSION, SEEN])).toContain('pg_monitor');
    expect(counts.parses).toBe(parses + 2);
    expect(await preparedHere()).toEqual(['pipelined_test_seen', 'pipelined_test_session']);
    // A statement that parsed but failed while running stays prepared, and is not parsed again.
    const divide: PipelinedStatement = { name: 'pipelined_test_divide', text: 'select (1 / $1::int)::text', values: [0] };
    await expect(queryRawText(client, [divide])).rejects.toMatchObject({ code: '22012' });
    expect(await queryRawText(client, [{ ...divide, values: [1] }])).toBe('1');
    expect(counts.parses).toBe(parses + 3);
  });

  it('keeps a prepared name to its connection, except on PGlite (one session shared by all)', async () => {
    await queryRawText(client, [SEEN]);
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      // pg's own named queries meet the same: each connection believes it has to Parse, and PGlite has it already.
      const second = other.query({ name: SEEN.name, text: SEEN.text, values: [] });
      if (database.sharedSession) await expect(second).rejects.toMatchObject({ code: '42P05' });
      else await expect(second).resolves.toMatchObject({ rowCount: 1 });
    } finally {
      await other.end();
    }
  });

  it('rejects a value pg cannot send without writing anything', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(queryRawText(client, [{ name: '', text: 'select $1::jsonb', values: [circular] }])).rejects.toThrow(/circular/i);
    expect(counts.syncs).toBe(0);
    expect(await queryRawText(client, [{ name: '', text: `select 'still usable'`, values: [] }])).toBe('still usable');
  });
});
