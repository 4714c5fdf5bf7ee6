import { createHash } from 'node:crypto';
import pg from 'pg';

/** What the benchmark seeds: one large tenant among many small ones, like a real SaaS fleet. */
export interface SeedPlan {
  largeOrders: number;
  linesPerOrder: number;
  smallTenants: number;
  smallOrders: number;
}

export interface SeededTenant {
  tenantId: string;
  apiKey: string;
  orders: number;
}

/** A fixed key, so repeated runs reuse the seeded data; it only ever exists in a benchmark database. */
const BENCH_API_KEY = 'pxk_benchmark_partner_key_do_not_use_in_production_000';
/** Names the seed's shape: a run with another shape seeds anew rather than reusing data it would measure wrongly. */
const MARKER = 'PromoX benchmark (time-ordered slices with feed marks) — large tenant';
/**
 * Orders are written oldest first in slices of this many, one transaction each, so that transaction ids grow with time
 * as in real use, and a feed mark is recorded after each slice.
 */
const SLICE_ORDERS = 500;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * Seeds tenants, clients, contacts, orders and lines with set-based SQL (generate_series), through the privileged
 * connection. Idempotent: an existing large tenant of the same size is reused.
 */
export async function seed(databaseUrl: string, plan: SeedPlan, log: (line: string) => void): Promise<SeededTenant> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const existing = await client.query<{ id: string; orders: string }>(
      `select t.id, (select count(*) from "order" o where o.tenant_id = t.id) as orders from tenant t where t.name = $1`,
      [`${MARKER} (${plan.largeOrders} × ${plan.linesPerOrder})`],
    );
    if (existing.rows[0] && Number(existing.rows[0].orders) === plan.largeOrders) {
      log(`reusing seeded tenant ${existing.rows[0].id} with ${plan.largeOrders} orders`);
      return { tenantId: existing.rows[0].id, apiKey: BENCH_API_KEY, orders: plan.largeOrders };
    }
    const started = Date.now();
    for (let i = 0; i < plan.smallTenants; i++) {
      await seedTenant(client, `PromoX benchmark — small tenant ${i + 1}`, plan.smallOrders, plan.linesPerOrder, null);
    }
    log(`seeded ${plan.smallTenants} small tenants of ${plan.smallOrders} orders in ${Math.round((Date.now() - started) / 1000)} s`);
    const tenantId = await seedTenant(client, `${MARKER} (${plan.largeOrders} × ${plan.linesPerOrder})`, plan.largeOrders, plan.linesPerOrder, log);
    await client.query('analyze');
    log(`seeded the large tenant (${plan.largeOrders} orders) in ${Math.round((Date.now() - started) / 1000)} s`);
    return { tenantId, apiKey: BENCH_API_KEY, orders: plan.largeOrders };
  } finally {
    await client.end();
  }
}

async function seedTenant(client: pg.Client, name: string, orders: number, linesPerOrder: number, log: ((line: string) => void) | null): Promise<string> {
  const clients = Math.max(10, Math.round(orders / 50));
  await client.query('begin');
  const tenant = await client.query<{ id: string }>(
    `insert into tenant (id, created_at, updated_at, name, status) values (gen_random_uuid(), now(), now(), $1, 'ACTIVE') returning id`,
    [name],
  );
  const tenantId = tenant.rows[0].id;
  if (log) {
    // Only the large tenant gets the partner's key (ORDERS_READ + PII_READ, as a real sync integration would).
    await client.query(`delete from api_key where secret_hash = $1`, [sha256(BENCH_API_KEY)]);
    await client.query(
      `insert into api_key (id, created_at, updated_at, tenant_id, name, display_prefix, secret_hash, scopes)
       values (gen_random_uuid(), now(), now(), $1, 'Benchmark partner', $2, $3, '{ORDERS_READ,PII_READ}')`,
      [tenantId, BENCH_API_KEY.slice(0, 12), sha256(BENCH_API_KEY)],
    );
  }
  await client.query(
    `insert into client (id, created_at, updated_at, tenant_id, name, industry, tags)
     select gen_random_uuid(), now() - interval '400 days', now() - interval '400 days', $1,
            'Client ' || g || ' Promotions', (array['Education','Healthcare','Tech','Retail','Finance'])[1 + g % 5], '{}'
     from generate_series(1, $2) g`,
    [tenantId, clients],
  );
  await client.query(
    `insert into contact (id, created_at, updated_at, tenant_id, client_id, first_name, last_name, title, email, phone)
     select gen_random_uuid(), c.created_at, c.created_at, c.tenant_id, c.id, 'Pat' || n, 'Buyer ' || left(c.id::text, 8),
            'Purchasing', 'buyer' || n || '.' || left(c.id::text, 8) || '@client.example', '+1 555 01' || lpad(n::text, 2, '0')
     from client c cross join generate_series(1, 2) n where c.tenant_id = $1`,
    [tenantId],
  );
  await client.query(`insert into order_number_counter (id, created_at, updated_at, tenant_id, last_number) values (gen_random_uuid(), now(), now(), $1, $2)`, [
    tenantId,
    orders,
  ]);
  await client.query('commit');

  const slices = Math.ceil(orders / SLICE_ORDERS);
  for (let slice = 0; slice < slices; slice++) {
    const from = slice * SLICE_ORDERS + 1;
    const to = Math.min(orders, (slice + 1) * SLICE_ORDERS);
    await client.query('begin');
    // Slice k holds the orders last changed in the k-th of `slices` equal periods of the past year. Quantities vary
    // with the order number; subtotal and cost are the sums of the lines written just below.
    await client.query(
      `with numbered_clients as (
         select cl.id as client_id, row_number() over (order by cl.id) - 1 as k,
                (select ct.id from contact ct where ct.client_id = cl.id order by ct.id limit 1) as contact_id
         from client cl where cl.tenant_id = $1
       )
       insert into "order" (id, created_at, updated_at, tenant_id, number, number_seq, client_id, contact_id, currency, status,
                            in_hands_date, notes, external_references, subtotal, total_cost)
       select gen_random_uuid(), ts - interval '10 days', ts, $1, 'SO-' || lpad(g::text, 6, '0'), g, nc.client_id, nc.contact_id, 'USD',
              (array['QUOTE','CONFIRMED','IN_PRODUCTION','SHIPPED','INVOICED','PAID'])[1 + g % 6]::order_status,
              (ts + interval '20 days')::date, null,
              case when g % 3 = 0 then jsonb_build_array(jsonb_build_object('system','QUICKBOOKS','kind','INVOICE','value', g::text)) else '[]'::jsonb end,
              (select sum((50 * p + g % 10) * (450 + 10 * p)) from generate_series(1, $7::int) p),
              (select sum((50 * p + g % 10) * (300 + 8 * p)) from generate_series(1, $7::int) p)
       from generate_series($2::int, $3::int) g
       join numbered_clients nc on nc.k = g % $4,
       lateral (select date_trunc('milliseconds', now() - interval '365 days' + ($5::int + (g - $2)::float / ($3 - $2 + 1)) * interval '365 days' / $6) as ts) t`,
      [tenantId, from, to, clients, slice, slices, linesPerOrder],
    );
    await client.query(
      `insert into order_line (id, created_at, updated_at, tenant_id, order_id, position, product_name, sku, supplier, quantity,
                               unit_price, unit_cost, decoration, colour)
       select gen_random_uuid(), o.created_at, o.updated_at, o.tenant_id, o.id, p,
              (array['Branded mug','Embroidered cap','Tote bag','USB drive','Water bottle','Lanyard','Notebook','Pen','T-shirt'])[1 + (p - 1) % 9],
              'SKU-' || p || '-' || o.number_seq % 1000, 'Supplier ' || (o.number_seq % 7), 50 * p + o.number_seq % 10,
              450 + 10 * p, 300 + 8 * p, '1-colour screen print, front', 'Navy'
       from "order" o cross join generate_series(1, $4::int) p
       where o.tenant_id = $1 and o.number_seq between $2 and $3`,
      [tenantId, from, to, linesPerOrder],
    );
    await client.query('commit');
    await recordFeedMark(client, tenantId);
    if (log && (slice + 1) % Math.ceil(slices / 4) === 0) log(`  ${to} of ${orders} orders`);
  }
  return tenantId;
}

/**
 * The statement of the `order_feed_mark` trigger (see OrderFeedMark), for a named tenant. The seed writes without a
 * tenant setting, so the trigger records nothing; and spread over a real year, these writes would have found the
 * last mark older than a minute each time. One mark per slice is coarser than the trigger's, so the bench's first
 * pages step over more changes than they would in use, never fewer.
 */
async function recordFeedMark(client: pg.Client, tenantId: string): Promise<void> {
  await client.query(
    `insert into order_feed_mark (id, created_at, updated_at, tenant_id, change_xid, updated_up_to)
     select gen_random_uuid(), now(), now(), $1, t.horizon, m.updated_up_to
     from (select pg_snapshot_xmin(pg_current_snapshot()) as horizon) t
     cross join lateral (select max(o.updated_at) as updated_up_to from "order" o where o.tenant_id = $1 and o.change_xid < t.horizon) m
     where m.updated_up_to is not null`,
    [tenantId],
  );
}
