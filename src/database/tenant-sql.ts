import type { TenantContext } from '../common/context/request-context.js';
import { quoteIdentifier } from './sql-identifier.js';

/**
 * The one door for tenant-scoped SQL written by hand. The ORM's tenant filter does not see raw statements, so each
 * names its tenant through `tenantScoped`; row-level security checks the same tenant again underneath, with the
 * session fragments below, which the tables' policies and triggers take from here too.
 */

/** The session settings a transaction is switched with (see tenant-session.ts), read by policies and triggers. */
export const TENANT_ID_SETTING = 'app.tenant_id';
/**
 * The signed-in user, set for every request of a user (staff included), so that policies can confine rows that belong
 * to a user rather than a tenant to that user.
 */
export const USER_ID_SETTING = 'app.user_id';
/**
 * Set only by a closed tenant's purge (as crm_maintenance): the one case where append-only history of a tenant (its
 * consent ledger, later its audit trail) may be deleted, and only that tenant's rows.
 */
export const PURGING_TENANT_SETTING = 'app.purging_tenant_id';
/**
 * Set (locally, `on`) while erasure replaces a subject's identifiers in free text: the only moment an append-only
 * ledger lets a row change, and then only in its declared free-text columns.
 */
export const ERASING_MENTIONS_SETTING = 'app.erasing_mentions';

/** SQL with `?` placeholders and their values, in order. */
export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly unknown[];
}

const SETTINGS = new Set([TENANT_ID_SETTING, USER_ID_SETTING, PURGING_TENANT_SETTING, ERASING_MENTIONS_SETTING]);
const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * A column as policies and triggers write it: a plain lower-case name, unquoted, so that their text stays exactly as
 * the migrations created it (the schema diff compares the text). Anything else is refused.
 */
function plainName(name: string): string {
  if (!PLAIN_NAME.test(name)) throw new Error(`Not a plain column name: ${JSON.stringify(name)}`);
  return name;
}

/**
 * A uuid held by a session setting: NULL when it is unset, or empty, as it reads in later transactions of a session
 * once any transaction has set it (see STACK.md), so that an unset tenant matches no row.
 */
export function sessionUuid(setting: string): string {
  if (!SETTINGS.has(setting)) throw new Error(`Not a session setting: ${setting}`);
  return `nullif(current_setting('${setting}', true), '')::uuid`;
}

/** The transaction's tenant, as row-level security reads it. */
export const SESSION_TENANT = sessionUuid(TENANT_ID_SETTING);
/** The transaction's signed-in user (staff and user-owned rows). */
export const SESSION_USER = sessionUuid(USER_ID_SETTING);
/** The tenant being purged, in a purge's transaction only. */
export const SESSION_PURGING_TENANT = sessionUuid(PURGING_TENANT_SETTING);

/**
 * `tenant_id = <the transaction's tenant>`: the predicate of the tenant policies, of triggers that act in the
 * tenant's rows, and of statements that run in a tenant's transaction without its context at hand.
 */
export function sessionTenantPredicate(column = 'tenant_id', setting = TENANT_ID_SETTING): string {
  return `${plainName(column)} = ${sessionUuid(setting)}`;
}

/** Trigger bodies compare the row's tenant as text, where an unset setting reads NULL or '' and matches nothing. */
export function sessionTenantMatchesRow(row: 'old' | 'new', setting = PURGING_TENANT_SETTING, column = 'tenant_id'): string {
  if (!SETTINGS.has(setting)) throw new Error(`Not a session setting: ${setting}`);
  return `${row}.${plainName(column)}::text = current_setting('${setting}', true)`;
}

/**
 * The tenant predicate of a hand-written statement: `"o"."tenant_id" = ?` for each table alias given, joined with
 * `and` (the bare column when no alias is given), each with the context's tenant as its value. Names are quoted, so
 * an alias can never carry SQL; the tenant is a bound value. Splice `sql` where the predicate goes and `params` at
 * the same place among the statement's values. `ctx` is the operation's TenantContext, or `{ tenantId }` for a job
 * that acts on one named tenant outside any request (a closed tenant's purge).
 */
export function tenantScoped(ctx: Pick<TenantContext, 'tenantId'>, options: { aliases?: readonly string[]; column?: string } = {}): SqlFragment {
  if (!ctx.tenantId) throw new Error('A tenant-scoped statement needs a tenant.');
  const column = quoteIdentifier(options.column ?? 'tenant_id');
  const aliases = options.aliases ?? [];
  if (aliases.length === 0) return { sql: `${column} = ?`, params: [ctx.tenantId] };
  return {
    sql: aliases.map((alias) => `${quoteIdentifier(alias)}.${column} = ?`).join(' and '),
    params: aliases.map(() => ctx.tenantId),
  };
}

/** How a hand-written statement names its tenant: bound from the context (tenantScoped), or as the session's. */
export type TenantNaming = (aliases: readonly string[]) => SqlFragment;

/** The context's tenant, bound as a value: tenantScoped for the given aliases. */
export const boundTenant =
  (ctx: Pick<TenantContext, 'tenantId'>): TenantNaming =>
  (aliases) =>
    tenantScoped(ctx, { aliases });

/**
 * The transaction's tenant, as row-level security reads it, for the read path's prepared statements: with the tenant as
 * a bound value, PostgreSQL's generic plan for the change feed's later pages scanned every order changed since T
 * (16,000 rows, 23 ms) instead of the 51 of the page (5 ms). A statement naming it so checks the session's tenant
 * against the context's once (connection-sql.ts), so the context still names the tenant.
 */
export const sessionTenant: TenantNaming = (aliases) => ({
  sql: aliases.map((alias) => `${quoteIdentifier(alias)}.tenant_id = ${SESSION_TENANT}`).join(' and '),
  params: [],
});
