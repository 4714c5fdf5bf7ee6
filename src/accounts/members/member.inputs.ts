import { Field, ID, InputType } from '@nestjs/graphql';
import { IsEmail, IsEnum, IsUUID, MaxLength } from 'class-validator';
import { Role } from '../../common/authorization/permission.js';
import { NormaliseEmail } from '../../common/validation/input-transforms.js';

@InputType()
export class InviteMemberInput {
  @Field()
  @NormaliseEmail()
  @IsEmail()
  @MaxLength(254)
  email: string;

  @Field(() => Role)
  @IsEnum(Role)
  role: Role;
}

@InputType()
export class ChangeMemberRoleInput {
  @Field(() => ID, { description: 'The membership id (Member.id).' })
  @IsUUID()
  memberId: string;

  @Field(() => Role)
  @IsEnum(Role)
  role: Role;
}

@InputType()
export class MemberIdInput {
  @Field(() => ID, { description: 'The membership id (Member.id).' })
  @IsUUID()
  memberId: string;
}

@InputType()
export class InvitationIdInput {
  @Field(() => ID)
  @IsUUID()
  id: string;
}
