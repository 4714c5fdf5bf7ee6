import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsDate, IsEnum, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { Permission } from '../../common/authorization/permission.js';
import { Trim } from '../../common/validation/input-transforms.js';

@InputType()
export class CreateApiKeyInput {
  @Field({ description: 'What the key is for, e.g. "SAGE sync".' })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @Field(() => [Permission], { description: 'A subset of your own permissions. Keys cannot manage members or keys.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @ArrayUnique()
  @IsEnum(Permission, { each: true })
  scopes: Permission[];

  @Field(() => Date, { nullable: true, description: 'When the key stops working; never, if omitted.' })
  @IsOptional()
  @IsDate()
  expiresAt?: Date;
}

@InputType()
export class RevokeApiKeyInput {
  @Field(() => ID)
  @IsUUID()
  id: string;
}
