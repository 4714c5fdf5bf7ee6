import { Field, ID, ObjectType } from '@nestjs/graphql';
import type { User } from './user.entity.js';

/** The signed-in user's own profile: their own contact data needs no permission. */
@ObjectType('UserProfile')
export class UserProfileType {
  @Field(() => ID) id: string;
  @Field() fullName: string;
  @Field() email: string;
  @Field(() => String, { nullable: true }) phone: string | null;
  @Field({ description: 'When the user confirmed being 16 or older.' }) ageConfirmedAt: Date;
  @Field() createdAt: Date;

  static from(user: User): UserProfileType {
    return Object.assign(new UserProfileType(), {
      id: user.id,
      fullName: user.fullName,
      email: user.email,
      phone: user.phone ?? null,
      ageConfirmedAt: user.ageConfirmedAt,
      createdAt: user.createdAt,
    });
  }
}
