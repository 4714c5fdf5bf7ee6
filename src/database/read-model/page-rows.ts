import type { EntityManager } from '@mikro-orm/postgresql';
import type { PageQuery } from './connection-sql.js';

/** A row of a page as the resolvers read it: the table's columns and the cursor key. */
export type PageRow<Row> = Row & { id: string; sort_key: string | number };

/**
 * The rows of `page` for the resolvers: the page the read path compiles, read as the table's rows (or the `columns`
 * given), one more than the page to see beyond it, in fetch order (toPage turns them into the page).
 */
export async function pageRows<Row extends object>(em: EntityManager, page: PageQuery, columns = `${page.alias}.*`): Promise<PageRow<Row>[]> {
  const order = page.fetchDescending ? 'desc' : 'asc';
  const orderBy = [...page.sortColumns, 'id'].map((column) => `${page.alias}.${column} ${order}`).join(', ');
  return em.execute<PageRow<Row>[]>(
    `select ${columns}, ${page.keySql} as sort_key from ${page.from} where ${page.where.toString()} order by ${orderBy} limit ?`,
    [...page.where.params, page.request.limit + 1],
  );
}

/** How many rows the page's filter matches (totalCount). */
export async function pageCount(em: EntityManager, page: PageQuery): Promise<number> {
  const [row] = await em.execute<{ count: string }[]>(`select count(*) as count from ${page.from} where ${page.countWhere.toString()}`, [
    ...page.countWhere.params,
  ]);
  return Number(row.count);
}
