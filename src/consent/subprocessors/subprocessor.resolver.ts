import { Query, Resolver } from '@nestjs/graphql';
import { Public } from '../../common/authorization/access.decorators.js';
import { SUBPROCESSORS } from './subprocessor.register.js';
import { SubprocessorType } from './subprocessor.types.js';

@Resolver()
export class SubprocessorResolver {
  // Public: the privacy policy, which anyone may read before signing up, points here.
  @Public()
  @Query(() => [SubprocessorType], { description: 'Who processes personal data for PromoX: hosting, billing, email.' })
  subprocessors(): SubprocessorType[] {
    return SUBPROCESSORS.map((s) => Object.assign(new SubprocessorType(), s));
  }
}
