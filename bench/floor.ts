import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { queryRawText } from '../src/database/pipelined-query.js';
import { FLOOR_SESSION, PAGE_STATEMENTS, type PageShape } from './partner-page.sql.js';

/**
 * The floor: the least a server can do for the partner page. `node:http` + `pg.Pool`; per request one round trip of
 * two named prepared statements (the API key's tenant and the row-level-security role, then the page, built as JSON
 * by PostgreSQL), and PostgreSQL's text written to the response as it came, never parsed. No framework, no GraphQL, no
 * logging, no validation beyond what PostgreSQL's casts do.
 *
 * GET /orders?shape=full|common&since=<ISO time>[&after=<cursor>] with `authorization: Bearer <API key>`.
 */
const databaseUrl = process.env.DATABASE_URL;
const port = Number(process.env.PORT ?? 4100);
if (!databaseUrl) throw new Error('DATABASE_URL is required');
// As many connections as the API's pool (DATABASE_POOL_SIZE, 10 by default), so neither has more database to use;
// kept open while idle, since each holds its prepared statements.
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.POOL_SIZE ?? 10), idleTimeoutMillis: 0 });
const PAGE_SIZE = 50;

function decodeCursor(cursor: string | null): [string | null, string | null] {
  if (!cursor) return [null, null];
  const [xid, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
  return [xid, id];
}

const isShape = (value: string): value is PageShape => value in PAGE_STATEMENTS;

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') {
      res.writeHead(200).end('ok');
      return;
    }
    const shape = url.searchParams.get('shape') ?? 'full';
    if (url.pathname !== '/orders' || !isShape(shape)) {
      res.writeHead(404).end();
      return;
    }
    const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const [afterXid, afterId] = decodeCursor(url.searchParams.get('after'));
    const client = await pool.connect();
    let body: string | null;
    try {
      body = await queryRawText(client, [
        { ...FLOOR_SESSION, values: [createHash('sha256').update(key).digest('hex')] },
        { ...PAGE_STATEMENTS[shape], values: [url.searchParams.get('since'), afterXid, afterId, PAGE_SIZE] },
      ]);
    } finally {
      client.release();
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  } catch (error) {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: error instanceof Error ? error.message : 'the query failed' }));
  }
}

createServer((req, res) => void handle(req, res)).listen(port, '127.0.0.1', () => {
  process.send?.('ready');
});
