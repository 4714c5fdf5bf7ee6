import { Field, ID, InputType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { IsEmail, IsEnum, IsUUID, MaxLength } from 'class-validator';
import { Role } from '../../common/authorization/permission.js';
import { normaliseEmail } from '../auth/auth.inputs.js';

@InputType()
export class InviteMemberInput {
  @Field()
  @Transform(normaliseEmail) @IsEmail() @MaxLength(254)
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
