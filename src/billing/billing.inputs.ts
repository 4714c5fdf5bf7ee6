import { Field, InputType, Int } from '@nestjs/graphql';
import { IsInt, Matches, Max, Min } from 'class-validator';

@InputType()
export class StartCheckoutInput {
  @Field({ description: "A plan's code, as listed by `plans`." })
  @Matches(/^[a-z0-9_-]{1,40}$/, { message: 'plan must be a plan code' })
  plan: string;

  @Field(() => Int, { description: "Seats to buy: at least the members and pending invitations, at most the plan's seat limit." })
  @IsInt()
  @Min(1)
  @Max(10_000)
  seats: number;
}

@InputType()
export class ChangeSeatsInput {
  @Field(() => Int)
  @IsInt()
  @Min(1)
  @Max(10_000)
  seats: number;
}
