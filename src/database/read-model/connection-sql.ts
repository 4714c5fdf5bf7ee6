import { isObjectType, type FieldNode, type GraphQLObjectType } from 'graphql';
import type { KeysetRequest } from '../../common/pagination/keyset.js';
import { numberedPlaceholders, type SqlConditions } from '../sql-conditions.js';
import { SESSION_TENANT } from '../tenant-sql.js';
import { collectFields, jsonArray, jsonObject, NotCompilable, objectSql, tableRow, type SelectionContext } from './selection-sql.js';

/**
 * One page of a keyset-paginated list, as its reader plans it from the validated arguments: the rows, their order,
 * and the position the page starts after. The same plan serves the resolvers (OrderReader) and the compiled read path.
 */
export interface PageQuery {
  /** `"order" o`: the table and its alias. */
  from: string;
  alias: string;
  /** Every condition of the page: tenant, filter, the boundary of the cursor, a change feed's start. */
  where: SqlConditions;
  /** The filter alone, for totalCount. */
  countWhere: SqlConditions;
  /** The sort columns' names in the table (`change_xid`; `last_name`, `first_name`); the id breaks ties. */
  sortColumns: readonly string[];
  /** The cursor key as the page query selects it (`o.change_xid::text`). */
  keySql: string;
  /** The order rows are fetched in: the list's order, reversed when paging backward. */
  fetchDescending: boolean;
  /** The arguments' page request: its size, its direction and whether it starts at a cursor. */
  request: KeysetRequest;
}

/** A cursor as encodeCursor writes it, in SQL: base64url of the JSON array [key, id]. */
function cursorSql(row: string): string {
  const json = `'[' || to_json(${row}.sort_key)::text || ',' || to_json(${row}.id)::text || ']'`;
  // PostgreSQL's base64 breaks lines every 76 characters; translate drops them with the padding.
  return `translate(encode(convert_to(${json}, 'UTF8'), 'base64'), E'+/=\\n', '-_')`;
}

const direction = (descending: boolean) => (descending ? 'desc' : 'asc');

/**
 * A compiled page statement. Its values: `$1` the tenant, `$2` the page size, then the page's conditions' values, then,
 * when it counts all (totalCount is selected), the filter's values again.
 */
export interface PageStatement {
  text: string;
  countsAll: boolean;
}

/**
 * The statement that answers a connection field (`orders(…) { edges { cursor node { … } } pageInfo { … } totalCount }`)
 * with the JSON of its value, in the document's shape: the page's rows are fetched once (one more than the page, to
 * see beyond it), then edges, page info and count are built from them.
 */
export function connectionStatement(ctx: SelectionContext, connection: GraphQLObjectType, nodes: readonly FieldNode[], page: PageQuery): PageStatement {
  const { backward, boundary } = page.request;
  const hasBoundary = String(boundary !== null);
  const fetchOrder = direction(page.fetchDescending);
  // The list's own order: the fetch order, turned back when paging backward.
  const listOrder = direction(page.fetchDescending !== backward);
  const reverseListOrder = direction(page.fetchDescending === backward);
  const orderOf = (alias: string, order: string) => [...page.sortColumns, 'id'].map((column) => `${alias}${column} ${order}`).join(', ');
  const cursor = cursorSql('s');
  // One row beyond the page was fetched if there is more.
  const more = 'exists (select from page offset $2)';
  const entries: [string, string][] = [];
  // `?` of the page's conditions become $3, $4, … after the tenant and the limit; the count's follow them.
  const countFirst = 3 + page.where.params.length;
  let countsAll = false;
  for (const [key, fieldNodes] of collectFields(
    ctx,
    connection,
    nodes.map((node) => node.selectionSet),
  )) {
    const name = fieldNodes[0].name.value;
    if (name === '__typename') entries.push([key, `'${connection.name}'`]);
    else if (name === 'totalCount') {
      countsAll = true;
      entries.push([key, `(select count(*) from ${page.from} where ${numberedPlaceholders(page.countWhere.toString(), countFirst)})::int`]);
    } else if (name === 'pageInfo') {
      const info = objectTypeOf(connection.getFields()[name].type);
      const infoEntries: [string, string][] = [];
      for (const [infoKey, infoNodes] of collectFields(
        ctx,
        info,
        fieldNodes.map((node) => node.selectionSet),
      )) {
        const infoName = infoNodes[0].name.value;
        const sql: Record<string, string> = {
          __typename: `'${info.name}'`,
          hasNextPage: backward ? hasBoundary : more,
          hasPreviousPage: backward ? more : hasBoundary,
          startCursor: `(select ${cursor} from shown s order by ${orderOf('s.', listOrder)} limit 1)`,
          endCursor: `(select ${cursor} from shown s order by ${orderOf('s.', reverseListOrder)} limit 1)`,
        };
        if (!(infoName in sql)) throw new NotCompilable(`PageInfo.${infoName}`);
        infoEntries.push([infoKey, sql[infoName]]);
      }
      entries.push([key, jsonObject(infoEntries)]);
    } else if (name === 'edges') {
      const edge = objectTypeOf(connection.getFields()[name].type);
      const edgeEntries: [string, string][] = [];
      for (const [edgeKey, edgeNodes] of collectFields(
        ctx,
        edge,
        fieldNodes.map((node) => node.selectionSet),
      )) {
        const edgeName = edgeNodes[0].name.value;
        if (edgeName === '__typename') edgeEntries.push([edgeKey, `'${edge.name}'`]);
        else if (edgeName === 'cursor') edgeEntries.push([edgeKey, cursor]);
        else if (edgeName === 'node') {
          const nodeType = objectTypeOf(edge.getFields().node.type);
          const nodeFields = collectFields(
            ctx,
            nodeType,
            edgeNodes.map((node) => node.selectionSet),
          );
          edgeEntries.push([edgeKey, objectSql(ctx, nodeType, nodeFields, tableRow('s'))]);
        } else throw new NotCompilable(`${edge.name}.${edgeName}`);
      }
      entries.push([key, jsonArray(jsonObject(edgeEntries), orderOf('s.', listOrder), 'shown s')]);
    } else throw new NotCompilable(`${connection.name}.${name}`);
  }
  const where = numberedPlaceholders(page.where.toString(), 3);
  // The page's conditions name the session's tenant (sessionTenant); the context's, $1, must be that one, or no row
  // is read. A check once per statement, which also gives $1 its type where no related table refers to it.
  const text =
    `with page as materialized (select ${page.alias}.*, ${page.keySql} as sort_key from ${page.from} where ${where} and $1::uuid = ${SESSION_TENANT} ` +
    `order by ${orderOf(`${page.alias}.`, fetchOrder)} limit $2 + 1), ` +
    `shown as (select * from page order by ${orderOf('', fetchOrder)} limit $2) ` +
    `select ${jsonObject(entries)}::text as json`;
  return { text, countsAll };
}

function objectTypeOf(type: unknown): GraphQLObjectType {
  let named = type;
  while (named && typeof named === 'object' && 'ofType' in named) named = named.ofType;
  if (!isObjectType(named)) throw new NotCompilable('not an object type');
  return named;
}
