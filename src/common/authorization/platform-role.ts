import { registerEnumType } from '@nestjs/graphql';

/**
 * A role on the platform itself, not in any tenant. SUPPORT staff read and answer support requests of every tenant
 * and reach nothing else of theirs.
 */
export enum PlatformRole {
  SUPPORT = 'SUPPORT',
}

registerEnumType(PlatformRole, { name: 'PlatformRole', description: 'A role on the PromoX platform itself, not in a tenant.' });
