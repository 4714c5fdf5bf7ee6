import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { domainOfCodec, TYPES } from 'postgraphile/@dataplan/pg';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { sql } from 'postgraphile/pg-sql2';
import { PostGraphileConnectionFilterPreset } from 'postgraphile-plugin-connection-filter';
import { apiKeyTenantSql } from './partner-page.sql.js';

/**
 * PostGraphile 5 on the project's own tables, as a third target of `npm run bench`: the Amber preset plus the
 * connection-filter plugin (for `updatedAt > since`, which plain `condition` arguments cannot say), production
 * defaults (no explain, no watch, no GraphiQL). Each request runs as crm_app with `app.tenant_id` set to the API key's
 * tenant, so row-level security applies as in the API. The key is looked up the way the API does it: per request,
 * remembered for 10 s (the API's API_KEY_CACHE_SECONDS default), through a connection of its own.
 */
const databaseUrl = process.env.DATABASE_URL;
const port = Number(process.env.PORT ?? 4300);
if (!databaseUrl) throw new Error('DATABASE_URL is required');

const KEY_TTL_MS = 10_000;
const keys = new Map<string, { tenantId: string; expiresAt: number }>();
const keyPool = new pg.Pool({ connectionString: databaseUrl, max: 2 });

async function tenantOf(authorization: string | undefined): Promise<string> {
  const hash = createHash('sha256')
    .update((authorization ?? '').replace(/^Bearer /, ''))
    .digest('hex');
  const known = keys.get(hash);
  if (known && known.expiresAt > Date.now()) return known.tenantId;
  const result = await keyPool.query<{ tenant_id: string | null }>(apiKeyTenantSql, [hash]);
  const tenantId = result.rows[0]?.tenant_id ?? '';
  keys.set(hash, { tenantId, expiresAt: Date.now() + KEY_TTL_MS });
  return tenantId;
}

/**
 * PostGraphile has no codec for xid8, so without this it leaves `order.change_xid` (the CHANGED sort) out of the
 * schema. As a domain of bigint it is text on the wire (a 64-bit unsigned value), orderable, and cast as xid8 in SQL.
 */
const Xid8Plugin: GraphileConfig.Plugin = {
  name: 'BenchXid8Plugin',
  version: '0.0.0',
  gather: {
    hooks: {
      pgCodecs_findPgCodec(_info, event) {
        if (event.pgCodec || event.pgType.typname !== 'xid8') return;
        event.pgCodec = domainOfCodec(TYPES.bigint, 'xid8', sql.identifier('pg_catalog', 'xid8'), { extensions: { oid: event.pgType._id } });
      },
    },
  },
};

const preset: GraphileConfig.Preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
  plugins: [Xid8Plugin],
  pgServices: [makePgService({ connectionString: databaseUrl, schemas: ['public'] })],
  grafserv: { graphqlPath: '/graphql', graphiql: false, watch: false },
  grafast: {
    explain: false,
    // An unknown key gets an empty tenant: row-level security then shows no order, as in the API's floor.
    async context(requestContext) {
      const tenantId = await tenantOf(requestContext.node?.req.headers.authorization);
      return { pgSettings: { role: 'crm_app', 'app.tenant_id': tenantId } };
    },
  },
};

async function main(): Promise<void> {
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  // Built before the first request, so that the bench measures serving, not schema building.
  await pgl.getSchemaResult();
  // The bench needs a /health route ahead of PostGraphile's, and no websockets, which addTo would add.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const handler = serv.createHandler();
  createServer((req, res) => {
    if (req.url === '/health') res.writeHead(200).end('ok');
    else handler(req, res);
  }).listen(port, '127.0.0.1', () => {
    process.send?.('ready');
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
