import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermissions } from '../../common/authorization/access.decorators.js';
import { Permission } from '../../common/authorization/permission.js';
import { TenantCtx } from '../../common/context/current-context.decorator.js';
import type { TenantContext } from '../../common/context/request-context.js';
import { ContactIdArgs, ContactIdInput, ContactsArgs, CreateContactInput, UpdateContactInput } from './contact.inputs.js';
import { ContactService } from './contact.service.js';
import { ContactConnection, ContactType } from './contact.types.js';
import type { Page } from '../../common/pagination/connection.types.js';

const READ = [Permission.CLIENTS_READ];
const WRITE = [Permission.CLIENTS_WRITE];

@Resolver(() => ContactType)
export class ContactResolver {
  constructor(private readonly service: ContactService) {}

  @RequirePermissions(READ)
  @Query(() => ContactType, { description: 'A contact of the active tenant. Requires CLIENTS_READ; email, phone and address PII_READ.' })
  contact(@TenantCtx() ctx: TenantContext, @Args() args: ContactIdArgs): Promise<ContactType> {
    return this.service.get(ctx, args.id);
  }

  @RequirePermissions(READ)
  @Query(() => ContactConnection, {
    description: "The active tenant's contacts, newest first by default. Requires CLIENTS_READ; email, phone and address PII_READ.",
  })
  contacts(@TenantCtx() ctx: TenantContext, @Args() args: ContactsArgs): Promise<Page<ContactType>> {
    return this.service.list(ctx, args);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => ContactType, { description: 'Requires CLIENTS_WRITE (which also covers writing email, phone and address).' })
  createContact(@TenantCtx() ctx: TenantContext, @Args('input') input: CreateContactInput): Promise<ContactType> {
    return this.service.create(ctx, input);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => ContactType, { description: 'Requires CLIENTS_WRITE. Changes only the fields given.' })
  updateContact(@TenantCtx() ctx: TenantContext, @Args('input') input: UpdateContactInput): Promise<ContactType> {
    return this.service.update(ctx, input);
  }

  @RequirePermissions(WRITE)
  @Mutation(() => ContactType, {
    description: 'Requires CLIENTS_WRITE. Refused with CONFLICT while an order refers to the contact. Returns the deleted contact.',
  })
  deleteContact(@TenantCtx() ctx: TenantContext, @Args('input') input: ContactIdInput): Promise<ContactType> {
    return this.service.delete(ctx, input.id);
  }
}
