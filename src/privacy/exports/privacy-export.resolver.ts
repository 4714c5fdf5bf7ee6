import { Field, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { EntityManager } from '@mikro-orm/postgresql';
import { PrivacyRequestType } from '../requests/data-subject-request.types.js';
import { PrivacyExportService, type ExportLink } from './privacy-export.service.js';

@ObjectType('PrivacyExportLink', { description: 'Where to download an access or portability export, until when.' })
export class PrivacyExportLinkType {
  @Field({ description: 'GET this path on the API host; the link is the only credential, so keep it private.' }) path: string;
  @Field({ description: 'After this the link answers 404 and the file is deleted.' }) expiresAt: Date;
}

@Resolver(() => PrivacyRequestType)
export class PrivacyExportResolver {
  constructor(
    private readonly exports: PrivacyExportService,
    private readonly em: EntityManager,
  ) {}

  /** Seen only by whoever may see the request: the user for their own, members with PRIVACY_MANAGE for a contact's. */
  @ResolveField(() => PrivacyExportLinkType, {
    nullable: true,
    description: "The export's download link, once an ACCESS or PORTABILITY request is completed and until the link expires.",
  })
  exportLink(@Parent() request: PrivacyRequestType): Promise<ExportLink | null> {
    return this.exports.linkFor(this.em, request.id);
  }
}
