/**
 * The partner page as one SQL statement that builds the response JSON itself: the floor the GraphQL API is measured
 * against. Same rows, same order, same visibility horizon and the same JSON as the API's
 * `orders(first: 50, after, filter: { updatedAfter }, sort: { field: CHANGED, direction: ASC })`.
 *
 * Parameters are inlined as validated literals because the statement travels in one simple-protocol message together
 * with the role and tenant switch (row-level security is applied when a statement is planned, so the switch must be
 * an earlier statement of the same message).
 */
export interface PartnerPageParams {
  secretHash: string;
  since: string;
  afterXid: string | null;
  afterId: string | null;
  pageSize: number;
}

const HEX = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f-]{36}$/i;
const DIGITS = /^\d+$/;

export function partnerPageSql(params: PartnerPageParams): string {
  if (!HEX.test(params.secretHash)) throw new Error('bad key hash');
  const since = new Date(params.since);
  if (Number.isNaN(since.getTime())) throw new Error('bad since');
  const sinceLiteral = `'${since.toISOString()}'::timestamptz`;
  const cursor =
    params.afterXid !== null && params.afterId !== null && DIGITS.test(params.afterXid) && UUID.test(params.afterId)
      ? { xid: params.afterXid, id: params.afterId }
      : null;
  // After a cursor the scan starts there. On the first page it starts at the latest feed mark made at or before
  // `since`, or without one at the oldest change after `since` (the same clause as the API's OrderReader, so both run
  // the same plan).
  const tenant = `nullif(current_setting('app.tenant_id'), '')::uuid`;
  const start = cursor
    ? `and (o.change_xid, o.id) > ('${cursor.xid}'::xid8, '${cursor.id}'::uuid)`
    : `and o.change_xid >= (select case
         when ${sinceLiteral} < (select min(b.updated_at) from "order" b where b.tenant_id = ${tenant}) then '0'::xid8
         else coalesce(
           (select m.change_xid from order_feed_mark m where m.tenant_id = ${tenant} and m.updated_up_to <= ${sinceLiteral} order by m.updated_up_to desc limit 1),
           (select min(f.change_xid) from (select s.change_xid from "order" s where s.tenant_id = ${tenant} and s.updated_at > ${sinceLiteral} offset 0) f))
       end)`;
  const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const cursorOf = `translate(rtrim(replace(encode(convert_to(format('["%s","%s"]', p.change_xid, p.id), 'UTF8'), 'base64'), E'\\n', ''), '='), '+/', '-_')`;
  return `
select set_config('app.tenant_id', coalesce((select k.tenant_id::text from api_key k
         where k.secret_hash = '${params.secretHash}' and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())
         and 'ORDERS_READ' = any(k.scopes)), ''), true),
       set_config('role', 'crm_app', true);
with page as (
  select o.* from "order" o
  where o.tenant_id = nullif(current_setting('app.tenant_id'), '')::uuid
    and o.updated_at > ${sinceLiteral}
    and o.change_xid < pg_snapshot_xmin(pg_current_snapshot())
    ${start}
  order by o.change_xid, o.id
  limit ${params.pageSize + 1}
), shown as (
  select * from page order by change_xid, id limit ${params.pageSize}
)
select json_build_object('data', json_build_object('orders', json_build_object(
  'edges', coalesce((select json_agg(json_build_object(
    'cursor', ${cursorOf},
    'node', json_build_object(
      'id', p.id, 'number', p.number, 'status', p.status, 'currency', p.currency, 'inHandsDate', p.in_hands_date::text,
      'updatedAt', ${iso('p.updated_at')}, 'subtotal', p.subtotal,
      'externalReferences', p.external_references,
      'client', (select json_build_object('id', c.id, 'name', c.name) from client c where c.id = p.client_id),
      'contact', (select json_build_object('id', ct.id, 'firstName', ct.first_name, 'lastName', ct.last_name,
                                           'email', ct.email, 'phone', ct.phone) from contact ct where ct.id = p.contact_id),
      'lines', coalesce((select json_agg(json_build_object(
          'id', l.id, 'position', l.position, 'productName', l.product_name, 'sku', l.sku, 'supplier', l.supplier,
          'quantity', l.quantity, 'unitPrice', l.unit_price, 'lineTotal', l.quantity * l.unit_price,
          'decoration', l.decoration, 'colour', l.colour) order by l.position)
        from order_line l where l.order_id = p.id), '[]'::json)
    )) order by p.change_xid, p.id) from shown p), '[]'::json),
  'pageInfo', json_build_object(
    'hasNextPage', (select count(*) from page) > ${params.pageSize},
    'endCursor', (select ${cursorOf} from shown p order by p.change_xid desc, p.id desc limit 1))
))) as body`;
}
