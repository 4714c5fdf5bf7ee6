/**
 * The partner page as prepared statements that build the response JSON themselves: the floor the GraphQL API is
 * measured against. Same rows, same order, same visibility horizon and the same JSON as the API's
 * `orders(first: 50, after, filter: { updatedAfter }, sort: { field: CHANGED, direction: ASC })`.
 *
 * Two statements, sent together in one round trip (see src/database/pipelined-query.ts): the session statement finds
 * the API key's tenant and switches to the row-level-security role, then the page statement runs under it. Row-level
 * security is applied when a statement is planned (and re-planned when the role differs), so the switch has to be an
 * earlier statement of the same transaction, never the same statement.
 */
export type PageShape = 'full' | 'common';

export interface NamedStatement {
  name: string;
  text: string;
}

/** $1: the API key's secret hash (sha256, hex). Unknown, revoked, expired or unscoped keys leave the tenant empty. */
export const FLOOR_SESSION: NamedStatement = {
  name: 'floor_session',
  text: `select set_config('app.tenant_id', coalesce((select k.tenant_id::text from api_key k
         where k.secret_hash = $1 and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())
         and 'ORDERS_READ' = any(k.scopes)), ''), true),
       set_config('role', 'crm_app', true)`,
};

const TENANT = `nullif(current_setting('app.tenant_id'), '')::uuid`;
/** The nil UUID sorts before every id gen_random_uuid() makes, so `> (xid, nil)` means "from xid on". */
const NIL_UUID = `'00000000-0000-0000-0000-000000000000'::uuid`;
const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** The API's cursor: base64url of `["<change_xid>","<id>"]`, unpadded. */
const CURSOR_OF = `translate(rtrim(replace(encode(convert_to(format('["%s","%s"]', p.change_xid, p.id), 'UTF8'), 'base64'), E'\\n', ''), '='), '+/', '-_')`;

/**
 * A JSON object of (key, SQL) pairs, keys in order, as `row_to_json` writes a one-row sub-select: compact, where
 * `json_build_object` puts spaces around every colon and comma (a tenth of the page's bytes, and more work).
 */
const obj = (pairs: [string, string][]) => `(select row_to_json(j) from (select ${pairs.map(([key, sql]) => `${sql} as "${key}"`).join(', ')}) j)`;
/** A compact JSON array of `sql` over `from` in `order`; '[]' for none. */
const arr = (sql: string, order: string, from: string) => `coalesce((select array_to_json(array_agg(${sql} order by ${order})) from ${from}), '[]'::json)`;

const NODES: Record<PageShape, string> = {
  full: obj([
    ['id', 'p.id'],
    ['number', 'p.number'],
    ['status', 'p.status'],
    ['currency', 'p.currency'],
    ['inHandsDate', 'p.in_hands_date::text'],
    ['updatedAt', iso('p.updated_at')],
    ['subtotal', 'p.subtotal'],
    ['externalReferences', 'p.external_references'],
    [
      'client',
      `(select ${obj([
        ['id', 'c.id'],
        ['name', 'c.name'],
      ])} from client c where c.id = p.client_id)`,
    ],
    [
      'contact',
      `(select ${obj([
        ['id', 'ct.id'],
        ['firstName', 'ct.first_name'],
        ['lastName', 'ct.last_name'],
        ['email', 'ct.email'],
        ['phone', 'ct.phone'],
      ])}
        from contact ct where ct.id = p.contact_id)`,
    ],
    [
      'lines',
      arr(
        obj([
          ['id', 'l.id'],
          ['position', 'l.position'],
          ['productName', 'l.product_name'],
          ['sku', 'l.sku'],
          ['supplier', 'l.supplier'],
          ['quantity', 'l.quantity'],
          ['unitPrice', 'l.unit_price'],
          ['lineTotal', 'l.quantity * l.unit_price'],
          ['decoration', 'l.decoration'],
          ['colour', 'l.colour'],
        ]),
        'l.position',
        'order_line l where l.order_id = p.id',
      ),
    ],
  ]),
  common: obj([
    ['number', 'p.number'],
    ['status', 'p.status'],
    ['currency', 'p.currency'],
    ['inHandsDate', 'p.in_hands_date::text'],
    ['client', `(select ${obj([['name', 'c.name']])} from client c where c.id = p.client_id)`],
    [
      'contact',
      `(select ${obj([
        ['firstName', 'ct.first_name'],
        ['lastName', 'ct.last_name'],
        ['email', 'ct.email'],
      ])} from contact ct where ct.id = p.contact_id)`,
    ],
    [
      'lines',
      arr(
        obj([
          ['sku', 'l.sku'],
          ['productName', 'l.product_name'],
          ['quantity', 'l.quantity'],
          ['unitPrice', 'l.unit_price'],
        ]),
        'l.position',
        'order_line l where l.order_id = p.id',
      ),
    ],
  ]),
};

/**
 * $1 since (timestamptz), $2 and $3 the cursor's change position and id (both null on the first page), $4 the page
 * size. After a cursor the scan starts there. On the first page it starts at the latest feed mark made at or before
 * `since`, or without one at the oldest change after `since` (the same clause as the API's OrderReader); COALESCE runs
 * that sub-select only when there is no cursor. One row comparison serves both, so the one statement scans the
 * (tenant, change_xid, id) index from a single bound either way. Both sides of the bound are sub-selects: PostgreSQL
 * puts a row comparison into the index condition only when its values are plain parameters, and with COALESCE
 * written in it, the generic plan it settles on for a prepared statement read every order before the bound
 * (83,000 for a page 60 days back in 100k orders: 50 ms instead of 0.5 ms).
 */
function pageText(shape: PageShape): string {
  const start = `(select case
         when $1::timestamptz < (select min(b.updated_at) from "order" b where b.tenant_id = ${TENANT}) then '0'::xid8
         else coalesce(
           (select m.change_xid from order_feed_mark m where m.tenant_id = ${TENANT} and m.updated_up_to <= $1::timestamptz
             order by m.updated_up_to desc limit 1),
           (select min(f.change_xid) from (select s.change_xid from "order" s where s.tenant_id = ${TENANT}
             and s.updated_at > $1::timestamptz offset 0) f))
       end)`;
  return `
with bound as (select coalesce($2::xid8, ${start}) as xid, coalesce($3::uuid, ${NIL_UUID}) as id), page as (
  select o.* from "order" o
  where o.tenant_id = ${TENANT}
    and o.updated_at > $1::timestamptz
    and o.change_xid < pg_snapshot_xmin(pg_current_snapshot())
    and (o.change_xid, o.id) > ((select b.xid from bound b), (select b.id from bound b))
  order by o.change_xid, o.id
  limit $4::int + 1
), shown as (
  select * from page order by change_xid, id limit $4::int
)
select ${obj([
    [
      'data',
      obj([
        [
          'orders',
          obj([
            [
              'edges',
              arr(
                obj([
                  ['cursor', CURSOR_OF],
                  ['node', NODES[shape]],
                ]),
                'p.change_xid, p.id',
                'shown p',
              ),
            ],
            [
              'pageInfo',
              obj([
                ['hasNextPage', 'exists (select from page offset $4::int)'],
                ['endCursor', `(select ${CURSOR_OF} from shown p order by p.change_xid desc, p.id desc limit 1)`],
              ]),
            ],
          ]),
        ],
      ]),
    ],
  ])}::text as body`;
}

export const PAGE_STATEMENTS: Record<PageShape, NamedStatement> = {
  full: { name: 'floor_page_full', text: pageText('full') },
  common: { name: 'floor_page_common', text: pageText('common') },
};

/** $1: the API key's secret hash. The tenant of a valid key with ORDERS_READ, for a server that sets it itself. */
export const apiKeyTenantSql = `select k.tenant_id::text as tenant_id from api_key k
  where k.secret_hash = $1 and k.revoked_at is null and (k.expires_at is null or k.expires_at > now()) and 'ORDERS_READ' = any(k.scopes)`;
