import type { SqlFragment } from './tenant-sql.js';

/** SQL conditions with `?` placeholders and their values, in order, joined with `and`. */
export class SqlConditions {
  readonly sql: string[] = [];
  readonly params: unknown[] = [];

  add(sql: string, ...params: unknown[]): this {
    this.sql.push(sql);
    this.params.push(...params);
    return this;
  }

  addFragment(fragment: SqlFragment): this {
    return this.add(fragment.sql, ...fragment.params);
  }

  /** A copy to add more conditions to, leaving this one as it is. */
  copy(): SqlConditions {
    const copy = new SqlConditions();
    copy.sql.push(...this.sql);
    copy.params.push(...this.params);
    return copy;
  }

  toString(): string {
    return this.sql.length === 0 ? 'true' : this.sql.join(' and ');
  }
}

/**
 * Numbers `?` placeholders as `$first`, `$first+1`, … for a statement sent with bound values (MikroORM's `execute`
 * takes `?`, node-postgres takes `$n`). The SQL must hold no other question mark: hand-written statements of the read
 * path use neither jsonb's `?` operators nor `?` inside literals.
 */
export function numberedPlaceholders(sql: string, first: number): string {
  let next = first;
  return sql.replace(/\?/g, () => `$${next++}`);
}
