import { registerEnumType } from '@nestjs/graphql';

/**
 * What an actor may do inside a tenant. Roles and API-key scopes grant these; operations and fields name the one
 * they need. This file is the single definition of both the permissions and what each role grants.
 */
export enum Permission {
  MEMBERS_READ = 'MEMBERS_READ',
  MEMBERS_MANAGE = 'MEMBERS_MANAGE',
  API_KEYS_MANAGE = 'API_KEYS_MANAGE',
  TENANT_MANAGE = 'TENANT_MANAGE',
  /** Close (and reopen) the tenant: the owner's alone, as with billing. */
  TENANT_CLOSE = 'TENANT_CLOSE',
  CLIENTS_READ = 'CLIENTS_READ',
  CLIENTS_WRITE = 'CLIENTS_WRITE',
  ORDERS_READ = 'ORDERS_READ',
  ORDERS_WRITE = 'ORDERS_WRITE',
  PII_READ = 'PII_READ',
  FINANCIALS_READ = 'FINANCIALS_READ',
  BILLING_READ = 'BILLING_READ',
  BILLING_MANAGE = 'BILLING_MANAGE',
  PRIVACY_MANAGE = 'PRIVACY_MANAGE',
  AUDIT_READ = 'AUDIT_READ',
}

export enum Role {
  OWNER = 'OWNER',
  ADMIN = 'ADMIN',
  MANAGER = 'MANAGER',
  SALES_REP = 'SALES_REP',
  VIEWER = 'VIEWER',
}

const ALL = Object.values(Permission);

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  [Role.OWNER]: ALL,
  [Role.ADMIN]: ALL.filter((p) => p !== Permission.BILLING_MANAGE && p !== Permission.TENANT_CLOSE),
  [Role.MANAGER]: [
    Permission.MEMBERS_READ,
    Permission.CLIENTS_READ,
    Permission.CLIENTS_WRITE,
    Permission.ORDERS_READ,
    Permission.ORDERS_WRITE,
    Permission.PII_READ,
    Permission.FINANCIALS_READ,
  ],
  [Role.SALES_REP]: [
    Permission.MEMBERS_READ,
    Permission.CLIENTS_READ,
    Permission.CLIENTS_WRITE,
    Permission.ORDERS_READ,
    Permission.ORDERS_WRITE,
    Permission.PII_READ,
  ],
  [Role.VIEWER]: [Permission.MEMBERS_READ, Permission.CLIENTS_READ, Permission.ORDERS_READ],
};

/** Permissions an API key can never carry: keys must not mint keys or change who is in the tenant. */
export const USER_ONLY_PERMISSIONS: readonly Permission[] = [Permission.API_KEYS_MANAGE, Permission.MEMBERS_MANAGE, Permission.TENANT_CLOSE];

export function permissionsOfRole(role: Role): ReadonlySet<Permission> {
  return new Set(ROLE_PERMISSIONS[role]);
}

const describe = (role: Role) => `Grants: ${ROLE_PERMISSIONS[role].join(', ')}.`;

registerEnumType(Permission, {
  name: 'Permission',
  description: 'What an actor may do inside a tenant. Roles and API-key scopes grant permissions.',
});
registerEnumType(Role, {
  name: 'Role',
  description: "A member's role in a tenant.",
  valuesMap: Object.fromEntries(Object.values(Role).map((role) => [role, { description: describe(role) }])),
});
