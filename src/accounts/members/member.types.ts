import { Field, ID, ObjectType } from '@nestjs/graphql';
import { RestrictedField } from '../../common/authorization/field-access.js';
import { Permission, Role } from '../../common/authorization/permission.js';
import type { Invitation } from './invitation.entity.js';
import type { Membership } from './membership.entity.js';

@ObjectType('MemberRef', { description: 'A member of the tenant, by name.' })
export class MemberRefType {
  @Field(() => ID) userId: string;
  @Field() fullName: string;
}

@ObjectType('Member', { description: "A user's membership in the active tenant." })
export class MemberType {
  @Field(() => ID, { description: 'The membership id.' }) id: string;
  @Field(() => ID) userId: string;
  @Field() fullName: string;
  @RestrictedField(() => String, Permission.PII_READ) email: string | null;
  @RestrictedField(() => String, Permission.PII_READ) phone: string | null;
  @Field(() => Role) role: Role;
  @Field() joinedAt: Date;

  static from(membership: Membership): MemberType {
    return Object.assign(new MemberType(), {
      id: membership.id,
      userId: membership.user.id,
      fullName: membership.user.fullName,
      email: membership.user.email,
      phone: membership.user.phone ?? null,
      role: membership.role,
      joinedAt: membership.createdAt,
    });
  }
}

@ObjectType('Invitation')
export class InvitationType {
  @Field(() => ID) id: string;
  @RestrictedField(() => String, Permission.PII_READ) email: string | null;
  @Field(() => Role) role: Role;
  @Field() createdAt: Date;
  @Field() expiresAt: Date;
  @Field(() => Date, { nullable: true }) acceptedAt: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt: Date | null;

  static from(invitation: Invitation): InvitationType {
    return Object.assign(new InvitationType(), {
      id: invitation.id,
      email: invitation.email,
      role: invitation.role,
      createdAt: invitation.createdAt,
      expiresAt: invitation.expiresAt,
      acceptedAt: invitation.acceptedAt ?? null,
      revokedAt: invitation.revokedAt ?? null,
    });
  }
}

@ObjectType()
export class InvitationCreated {
  @Field(() => InvitationType) invitation: InvitationType;
  @Field({ description: 'Give this to the invitee (e.g. in a link); it is shown only now and works once.' })
  token: string;
}
