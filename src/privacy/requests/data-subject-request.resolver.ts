import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermissions, SignedInUser } from '../../common/authorization/access.decorators.js';
import { Permission } from '../../common/authorization/permission.js';
import { AllowedWhileTenantReadOnly } from '../../common/authorization/tenant-write-gate.js';
import { Ctx, TenantCtx } from '../../common/context/current-context.decorator.js';
import type { RequestContext, TenantContext } from '../../common/context/request-context.js';
import type { Page } from '../../common/pagination/connection.types.js';
import { DataSubjectRequestType } from './data-subject-request.entity.js';
import {
  CancelPrivacyRequestInput,
  ExtendPrivacyRequestDeadlineInput,
  FilePrivacyRequestInput,
  PrivacyRequestIdArgs,
  PrivacyRequestsArgs,
  RejectPrivacyRequestInput,
  RetryPrivacyRequestInput,
  RequestMyDataInput,
  RequestMyRectificationInput,
  VerifyPrivacyRequestInput,
} from './data-subject-request.inputs.js';
import { DataSubjectRequestService } from './data-subject-request.service.js';
import { PrivacyRequestConnection, PrivacyRequestType } from './data-subject-request.types.js';

const MANAGE = [Permission.PRIVACY_MANAGE];

// A closed tenant still has to answer its contacts' requests until it is purged (the law's deadlines do not stop),
// so handling them is exempt from the tenant's read-only state.
@AllowedWhileTenantReadOnly()
@Resolver(() => PrivacyRequestType)
export class DataSubjectRequestResolver {
  constructor(private readonly requests: DataSubjectRequestService) {}

  // A user's own requests are about their platform account, not the tenant they act in: being @SignedInUser (not
  // tenant-permission) operations, a read-only (closed) tenant's write gates never apply to them.
  @SignedInUser()
  @Mutation(() => PrivacyRequestType, {
    description: 'Ask for a copy of your account data (ACCESS) or machine-readable files (PORTABILITY). Verified by your session.',
  })
  requestMyData(@Ctx() ctx: RequestContext, @Args('input', { nullable: true }) input?: RequestMyDataInput): Promise<PrivacyRequestType> {
    return this.requests.fileForUser(ctx, input?.type ?? DataSubjectRequestType.ACCESS);
  }

  @SignedInUser()
  @Mutation(() => PrivacyRequestType, {
    description:
      'Ask for your account and its personal data to be erased: you leave every tenant and are signed out everywhere. ' +
      'Refused with OWNERSHIP_TRANSFER_REQUIRED while you are the only owner of a tenant that is not closed. Verified by your session.',
  })
  requestMyErasure(@Ctx() ctx: RequestContext): Promise<PrivacyRequestType> {
    return this.requests.fileForUser(ctx, DataSubjectRequestType.ERASURE);
  }

  @SignedInUser()
  @Mutation(() => PrivacyRequestType, {
    description: 'Object to marketing: every marketing consent of yours is withdrawn and your email and phone are suppressed. Verified by your session.',
  })
  requestMyObjection(@Ctx() ctx: RequestContext): Promise<PrivacyRequestType> {
    return this.requests.fileForUser(ctx, DataSubjectRequestType.OBJECTION);
  }

  @SignedInUser()
  @Mutation(() => PrivacyRequestType, { description: 'Ask for your profile to be corrected. Verified by your session; applied by a background job.' })
  requestMyRectification(@Ctx() ctx: RequestContext, @Args('input') input: RequestMyRectificationInput): Promise<PrivacyRequestType> {
    return this.requests.fileForUser(ctx, DataSubjectRequestType.RECTIFICATION, input.changes);
  }

  @SignedInUser()
  @Query(() => [PrivacyRequestType], { description: 'Your own privacy requests, newest first (at most 100).' })
  myPrivacyRequests(@Ctx() ctx: RequestContext): Promise<PrivacyRequestType[]> {
    return this.requests.listMine(ctx);
  }

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Mutation(() => PrivacyRequestType, {
    description:
      'Record a request a contact made to the tenant. A second open request of the same type for the same contact is merged into the first. Requires PRIVACY_MANAGE.',
  })
  filePrivacyRequest(@TenantCtx() ctx: TenantContext, @Args('input') input: FilePrivacyRequestInput): Promise<PrivacyRequestType> {
    return this.requests.fileForContact(ctx, input);
  }

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Mutation(() => PrivacyRequestType, { description: "Record how the contact's identity was verified; the work then starts. Requires PRIVACY_MANAGE." })
  verifyPrivacyRequest(@TenantCtx() ctx: TenantContext, @Args('input') input: VerifyPrivacyRequestInput): Promise<PrivacyRequestType> {
    return this.requests.verify(ctx, input);
  }

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Mutation(() => PrivacyRequestType, { description: 'Refuse a request, with the reason given to the person. Requires PRIVACY_MANAGE.' })
  rejectPrivacyRequest(@TenantCtx() ctx: TenantContext, @Args('input') input: RejectPrivacyRequestInput): Promise<PrivacyRequestType> {
    return this.requests.reject(ctx, input);
  }

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Mutation(() => PrivacyRequestType, {
    description: 'Try again a request whose job gave up after PRIVACY_JOB_MAX_ATTEMPTS failed attempts (see lastError). Requires PRIVACY_MANAGE.',
  })
  retryPrivacyRequest(@TenantCtx() ctx: TenantContext, @Args('input') input: RetryPrivacyRequestInput): Promise<PrivacyRequestType> {
    return this.requests.retry(ctx, input);
  }

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Mutation(() => PrivacyRequestType, { description: 'Cancel a request before its work starts (e.g. the person withdrew it). Requires PRIVACY_MANAGE.' })
  cancelPrivacyRequest(@TenantCtx() ctx: TenantContext, @Args('input') input: CancelPrivacyRequestInput): Promise<PrivacyRequestType> {
    return this.requests.cancel(ctx, input);
  }

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Mutation(() => PrivacyRequestType, {
    description: "Extend an open request's deadline, once, by up to two months (GDPR) or 45 days (CCPA), with a reason. Requires PRIVACY_MANAGE.",
  })
  extendPrivacyRequestDeadline(@TenantCtx() ctx: TenantContext, @Args('input') input: ExtendPrivacyRequestDeadlineInput): Promise<PrivacyRequestType> {
    return this.requests.extendDeadline(ctx, input);
  }

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Query(() => PrivacyRequestConnection, { description: "The tenant's privacy requests about its contacts, newest first. Requires PRIVACY_MANAGE." })
  privacyRequests(@TenantCtx() ctx: TenantContext, @Args() args: PrivacyRequestsArgs): Promise<Page<PrivacyRequestType>> {
    return this.requests.list(ctx, args);
  }

  @RequirePermissions(MANAGE, { actors: ['user'] })
  @Query(() => PrivacyRequestType, { description: "One of the tenant's privacy requests. Requires PRIVACY_MANAGE." })
  privacyRequest(@TenantCtx() ctx: TenantContext, @Args() args: PrivacyRequestIdArgs): Promise<PrivacyRequestType> {
    return this.requests.get(ctx, args.id);
  }
}
