import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Permission, Role } from '../../common/authorization/permission.js';
import { PlatformRole } from '../../common/authorization/platform-role.js';
import { TenantType } from '../tenants/tenant.types.js';
import { UserProfileType } from '../users/user.types.js';

@ObjectType({ description: 'Tokens for a session. Send the access token as `Authorization: Bearer <token>`.' })
export class AuthPayload {
  @Field() accessToken: string;
  @Field() accessTokenExpiresAt: Date;
  @Field({ description: 'Single use: `refreshSession` returns a new one. Reusing an old one ends the session.' })
  refreshToken: string;
  @Field() refreshTokenExpiresAt: Date;
  @Field(() => UserProfileType) user: UserProfileType;
  @Field(() => TenantType, { nullable: true }) activeTenant: TenantType | null;
}

@ObjectType('MembershipSummary', { description: 'A tenant the signed-in user belongs to.' })
export class MembershipSummaryType {
  @Field(() => ID) id: string;
  @Field(() => ID) tenantId: string;
  @Field() tenantName: string;
  @Field(() => Role) role: Role;
  @Field() joinedAt: Date;
}

@ObjectType('Me')
export class MeType {
  @Field(() => UserProfileType) user: UserProfileType;
  @Field(() => TenantType, { nullable: true }) activeTenant: TenantType | null;
  @Field(() => Role, { nullable: true, description: 'Role in the active tenant.' }) role: Role | null;
  @Field(() => [Permission], { description: 'Effective permissions in the active tenant.' }) permissions: Permission[];
  @Field(() => [MembershipSummaryType]) memberships: MembershipSummaryType[];
  @Field(() => PlatformRole, { nullable: true, description: 'Set for PromoX staff, who act on the platform rather than in a tenant.' })
  platformRole: PlatformRole | null;
}
