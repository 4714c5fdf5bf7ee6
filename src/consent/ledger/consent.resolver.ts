import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Public, RequirePermissions, SignedInUser } from '../../common/authorization/access.decorators.js';
import { Permission } from '../../common/authorization/permission.js';
import { AllowedBeforePolicyAcceptance } from '../../common/authorization/policy-acceptance.js';
import { Ctx, TenantCtx } from '../../common/context/current-context.decorator.js';
import type { RequestContext, TenantContext } from '../../common/context/request-context.js';
import { unauthenticated } from '../../common/errors/app-errors.js';
import { ConsentSource } from '../purposes/consent-purpose.js';
import { ContactConsentArgs, RecordContactConsentInput, RecordMyConsentInput, RecordVisitorConsentInput, VisitorConsentArgs } from './consent.inputs.js';
import { ConsentService } from './consent.service.js';
import { ConsentPurposeType, ConsentStateType, SubjectConsentType } from './consent.types.js';

function userIdOf(ctx: RequestContext): string {
  if (ctx.actor.kind !== 'user') throw unauthenticated();
  return ctx.actor.userId;
}

@Resolver()
export class ConsentResolver {
  constructor(private readonly consent: ConsentService) {}

  @Public()
  @Query(() => [ConsentPurposeType], { description: 'The purposes consent is asked for, with their legal basis.' })
  consentPurposes(): ConsentPurposeType[] {
    return ConsentPurposeType.all();
  }

  @SignedInUser()
  @Query(() => SubjectConsentType, { description: 'Your own consent per purpose, and its history with proof.' })
  myConsent(@Ctx() ctx: RequestContext): Promise<SubjectConsentType> {
    return this.consent.overview({ userId: userIdOf(ctx) });
  }

  // Withdrawing must never be harder than granting, so a pending policy version does not block it.
  @SignedInUser()
  @AllowedBeforePolicyAcceptance()
  @Mutation(() => SubjectConsentType, { description: 'Grant or withdraw your own consent, for one or more purposes, in one call.' })
  async recordMyConsent(@Ctx() ctx: RequestContext, @Args('input') input: RecordMyConsentInput): Promise<SubjectConsentType> {
    const userId = userIdOf(ctx);
    await this.consent.recordForUser(ctx, userId, {
      choices: input.choices,
      policyVersions: input.policyVersions,
      source: input.source ?? ConsentSource.ACCOUNT_SETTINGS,
    });
    return this.consent.overview({ userId });
  }

  @RequirePermissions([Permission.CLIENTS_READ])
  @Query(() => SubjectConsentType, { description: "A contact's consent per purpose, and its history with proof. Requires CLIENTS_READ." })
  async contactConsent(@TenantCtx() ctx: TenantContext, @Args() args: ContactConsentArgs): Promise<SubjectConsentType> {
    await this.consent.requireContact(ctx, args.contactId);
    return this.consent.overview({ contactId: args.contactId });
  }

  @RequirePermissions([Permission.CLIENTS_WRITE])
  @Mutation(() => SubjectConsentType, {
    description: "Record a contact's grant or withdrawal. Withdrawing marketing suppresses the contact's address for good. Requires CLIENTS_WRITE.",
  })
  async recordContactConsent(@TenantCtx() ctx: TenantContext, @Args('input') input: RecordContactConsentInput): Promise<SubjectConsentType> {
    await this.consent.recordForContact(ctx, input.contactId, {
      choices: input.choices,
      policyVersions: input.policyVersions,
      note: input.note,
      source: input.source ?? ConsentSource.API,
    });
    return this.consent.overview({ contactId: input.contactId });
  }

  @Public()
  @Query(() => [ConsentStateType], { description: "A cookie-banner visitor's current choices (no history: the id is the only credential)." })
  async visitorConsent(@Args() args: VisitorConsentArgs): Promise<ConsentStateType[]> {
    return (await this.consent.overview({ visitorId: args.visitorId }, { history: false })).purposes;
  }

  @Public()
  @Mutation(() => [ConsentStateType], {
    description:
      "The cookie banner: record an anonymous visitor's choices. Rate limited per IP. Pass the same visitorId to signUp or logIn to carry the choices over to the account.",
  })
  async recordVisitorConsent(@Ctx() ctx: RequestContext, @Args('input') input: RecordVisitorConsentInput): Promise<ConsentStateType[]> {
    await this.consent.recordForVisitor(ctx, input.visitorId, input);
    return (await this.consent.overview({ visitorId: input.visitorId }, { history: false })).purposes;
  }
}
