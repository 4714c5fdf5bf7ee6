import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { partnerPageSql } from './partner-page.sql.js';

/**
 * The floor: a minimal `node:http` + `pg` handler for the partner page. It authenticates the API key, switches to the
 * row-level-security role and tenant, and runs the one statement that builds the response, all in one round trip.
 * Nothing else: no framework, no GraphQL, no logging.
 */
const databaseUrl = process.env.DATABASE_URL;
const port = Number(process.env.PORT ?? 4100);
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.POOL_SIZE ?? 10) });

function decodeCursor(cursor: string | null): [string | null, string | null] {
  if (!cursor) return [null, null];
  const [xid, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
  return [xid, id];
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') {
      res.writeHead(200).end('ok');
      return;
    }
    const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const [afterXid, afterId] = decodeCursor(url.searchParams.get('after'));
    const sql = partnerPageSql({
      secretHash: createHash('sha256').update(key).digest('hex'),
      since: url.searchParams.get('since') ?? '',
      afterXid,
      afterId,
      pageSize: 50,
    });
    // Simple protocol, several statements, one implicit transaction: set_config(..., true) holds for the query.
    const results = (await pool.query(sql)) as unknown as pg.QueryResult<{ body: unknown }>[];
    const body = JSON.stringify(results[results.length - 1].rows[0].body);
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
