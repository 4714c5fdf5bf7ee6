import { registerEnumType } from '@nestjs/graphql';

/**
 * A role on the platform itself, not in any tenant. SUPPORT staff read and answer support requests of every tenant
 * and reach nothing else of theirs. PLATFORM_ADMIN staff publish policy documents; they act in no tenant either, so
 * row-level security shows them no tenant's data.
 */
export enum PlatformRole {
  SUPPORT = 'SUPPORT',
  PLATFORM_ADMIN = 'PLATFORM_ADMIN',
}

registerEnumType(PlatformRole, { name: 'PlatformRole', description: 'A role on the PromoX platform itself, not in a tenant.' });
