import type { EntityClass, Opt, TriggerDef } from '@mikro-orm/core';
import { ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { v7 as uuidv7 } from 'uuid';
import { RequestContextStore } from '../common/context/request-context.js';
import { ERASING_MENTIONS_SETTING, PURGING_TENANT_SETTING, sessionTenantMatchesRow, sessionTenantPredicate, USER_ID_SETTING } from './tenant-sql.js';

export { ERASING_MENTIONS_SETTING, PURGING_TENANT_SETTING, TENANT_ID_SETTING, USER_ID_SETTING } from './tenant-sql.js';

/** Ids are UUID v7 (time-ordered, so inserts stay at the right edge of the index); times are timestamptz. */
export abstract class BaseEntity {
  @PrimaryKey({ type: 'uuid' })
  id: Opt<string> = uuidv7();

  @Property({ type: 'timestamptz' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();
}

let tenantEntity: EntityClass<object> | undefined;

/**
 * `accounts` registers its Tenant entity here, so that every tenant-owned table gets a foreign key to it (and is
 * deleted with it) without the database layer importing a feature module.
 */
export function registerTenantEntity(entity: EntityClass<object>): void {
  tenantEntity = entity;
}

function registeredTenantEntity(): EntityClass<object> {
  if (!tenantEntity) throw new Error("No tenant entity registered: import the accounts module's Tenant entity first.");
  return tenantEntity;
}

/**
 * The `tenantId` of a tenant-owned row: a foreign key to the tenant (deleted with it), assigned from the request
 * context when the entity is created, and the property the ORM's tenant filter looks for.
 */
export const TenantForeignKey = () =>
  ManyToOne(() => registeredTenantEntity(), { mapToPk: true, fieldName: 'tenant_id', nullable: false, deleteRule: 'cascade', index: true });

/**
 * Rows that belong to one tenant. The tenant is taken from the request context when the entity is created, the ORM's
 * `tenant` filter scopes every read to it, and row-level security in the database enforces it again.
 */
export abstract class TenantOwnedEntity extends BaseEntity {
  @TenantForeignKey()
  tenantId: Opt<string> = RequestContextStore.tenantId() as string;
}

export const APP_ROLE = 'crm_app';
export const AUTH_ROLE = 'crm_auth';
/** Platform support staff: reaches only the tables whose policies name it (support requests), across tenants. */
export const SUPPORT_ROLE = 'crm_support';
/** Scheduled platform jobs (retention): reach only the rows of the tables whose policies name it. */
export const MAINTENANCE_ROLE = 'crm_maintenance';

/**
 * Policies of a platform table that staff may reach only for their own account (their profile, their consent):
 * the app and authentication roles see every row, as before.
 */
export function ownAccountRowsForStaff(userColumn: string, commands: ('select' | 'update')[]) {
  const own = sessionTenantPredicate(userColumn, USER_ID_SETTING);
  return {
    rowLevelSecurity: true as const,
    policies: [
      { name: 'app_access', roles: [APP_ROLE, AUTH_ROLE], using: 'true', check: 'true' },
      ...commands.map((command) => ({ name: `staff_own_${command}`, command, roles: [SUPPORT_ROLE], using: own })),
    ],
  };
}

/**
 * The RLS policies of every tenant-owned table: requests (role crm_app) see and write only their tenant's rows; the
 * authentication path (role crm_auth) may read credential rows before any tenant is known, and platform support
 * staff (role crm_support) may reach support requests of every tenant, each only where a table opts in. Nobody else has a policy, so with FORCE even the table owner sees nothing unless it is a superuser.
 */
export function tenantPolicies(options: { authenticationReads?: boolean; platformSupport?: boolean; maintenance?: boolean; purge?: boolean } = {}) {
  const sameTenant = sessionTenantPredicate();
  const policies: { name: string; roles: string[]; using: string; check?: string }[] = [
    { name: 'tenant_isolation', roles: [APP_ROLE], using: sameTenant, check: sameTenant },
  ];
  if (options.purge) {
    // Rows the app role may never delete (append-only ledgers) go when their tenant is purged, and only then. For all
    // commands, because a DELETE must also see the rows it deletes; the grants give the role only SELECT and DELETE.
    const purged = sessionTenantPredicate('tenant_id', PURGING_TENANT_SETTING);
    policies.push({ name: 'tenant_purge', roles: [MAINTENANCE_ROLE], using: purged });
  }
  if (options.authenticationReads) {
    policies.push({ name: 'authentication_reads', roles: [AUTH_ROLE], using: 'true', check: 'true' });
  }
  if (options.platformSupport) {
    policies.push({ name: 'platform_support', roles: [SUPPORT_ROLE], using: 'true', check: 'true' });
  }
  if (options.maintenance) {
    policies.push({ name: 'maintenance', roles: [MAINTENANCE_ROLE], using: 'true', check: 'true' });
  }
  return { rowLevelSecurity: 'force' as const, policies };
}

/**
 * The policy of rows that belong to another row (a request's events, an export's chunks): visible exactly when that
 * row is, its own policies deciding through the subquery.
 */
export function ofVisibleParent(parent: { table: string; alias: string }, foreignKey: string): string {
  const name = (identifier: string) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(identifier)) throw new Error(`Not a plain name: ${JSON.stringify(identifier)}`);
    return identifier;
  };
  return `exists (select 1 from ${name(parent.table)} ${name(parent.alias)} where ${name(parent.alias)}.id = ${name(foreignKey)})`;
}

/** Rows that are written once and never changed (ledgers): no `updatedAt`, and the database refuses UPDATE/DELETE. */
export abstract class AppendOnlyEntity {
  @PrimaryKey({ type: 'uuid' })
  id: Opt<string> = uuidv7();

  @Property({ type: 'timestamptz' })
  createdAt: Opt<Date> = new Date();
}

/**
 * The trigger of an append-only table: UPDATE and DELETE raise, for every role including the owner, so changing
 * history takes a deliberate `alter table … disable trigger`. (TRUNCATE is refused by a statement trigger that the
 * migration adds by hand, and the app role is granted only SELECT and INSERT.) Two exceptions, each asked for by a
 * session setting of the one job allowed it: a tenant's purge deletes its ledger (`tenantPurge`), and erasure
 * replaces identifiers in the `freeText` columns, the rest of the row staying exactly as it was.
 */
export function appendOnlyTriggers(options: { tenantPurge?: boolean; freeText?: string[] } = {}): TriggerDef[] {
  const refuse = `raise exception '% is append-only: % is not allowed', tg_table_name, tg_op using errcode = 'insufficient_privilege';`;
  const free = options.freeText?.map((column) => `'${column}'`).join(', ');
  return [
    {
      name: 'append_only',
      timing: 'before',
      events: ['update', 'delete'],
      forEach: 'row',
      body: [
        // A tenant's ledger is deleted with the tenant: only by its purge, which names the tenant in the session.
        options.tenantPurge
          ? `if tg_op = 'DELETE' and ${sessionTenantMatchesRow('old')} then
          return old;
        end if;`
          : '',
        free
          ? `if tg_op = 'UPDATE' and current_setting('${ERASING_MENTIONS_SETTING}', true) = 'on'
           and to_jsonb(new) - array[${free}] = to_jsonb(old) - array[${free}] then
          return new;
        end if;`
          : '',
        refuse,
      ]
        .filter(Boolean)
        .join('\n        '),
    },
  ];
}
