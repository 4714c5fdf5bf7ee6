import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { Connection } from '../../common/pagination/connection.types.js';
import { SupportRequestStatus, type SupportAttachment, type SupportReply, type SupportRequest } from './support-request.entity.js';
import { defineDeferred } from '../../common/graphql/deferred-field.js';

export const attachmentDownloadPath = (id: string) => `/support/attachments/${id}`;

@ObjectType('SupportAttachment', { description: 'A file sent to support: its metadata; the bytes are downloaded from `downloadPath`.' })
export class SupportAttachmentType {
  @Field(() => ID) id: string;
  @Field() fileName: string;
  @Field() contentType: string;
  @Field(() => Int) sizeBytes: number;
  @Field({ description: 'SHA-256 of the content, hex.' }) sha256: string;
  @Field(() => ID) uploadedByUserId: string;
  @Field() uploadedAt: Date;
  @Field({ description: 'GET it with the same Bearer credential to download the file.' }) downloadPath: string;

  static from(this: void, attachment: SupportAttachment): SupportAttachmentType {
    return Object.assign(new SupportAttachmentType(), {
      id: attachment.id,
      fileName: attachment.fileName,
      contentType: attachment.contentType,
      sizeBytes: attachment.sizeBytes,
      sha256: attachment.sha256,
      uploadedByUserId: attachment.uploadedByUserId,
      uploadedAt: attachment.createdAt,
      downloadPath: attachmentDownloadPath(attachment.id),
    });
  }
}

@ObjectType('SupportReply', { description: "A message in a support thread, from the tenant's member or from PromoX support." })
export class SupportReplyType {
  @Field(() => ID) id: string;
  @Field() body: string;
  @Field({ description: 'Written by PromoX support staff rather than a member of the tenant.' }) fromSupportStaff: boolean;
  @Field(() => ID) authorUserId: string;
  @Field() createdAt: Date;

  static from(this: void, reply: SupportReply): SupportReplyType {
    return Object.assign(new SupportReplyType(), {
      id: reply.id,
      body: reply.body,
      fromSupportStaff: reply.fromSupportStaff,
      authorUserId: reply.authorUserId,
      createdAt: reply.createdAt,
    });
  }
}

/** Loads the replies or attachments of a set of requests; shared by a page, so it runs once and only when selected. */
export interface ThreadLookups {
  replies(requestId: string): Promise<SupportReplyType[]>;
  attachments(requestId: string): Promise<SupportAttachmentType[]>;
}

@ObjectType('SupportRequest', { description: 'A message from a member of the tenant to PromoX support, with its replies and files.' })
export class SupportRequestType {
  @Field(() => ID) id: string;
  @Field() subject: string;
  @Field() body: string;
  @Field(() => SupportRequestStatus, { description: "OPEN until support answers (ANSWERED); a member's reply opens it again; CLOSED is final." })
  status: SupportRequestStatus;
  @Field(() => ID) createdByUserId: string;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
  @Field({ description: 'The last reply or upload.' }) lastActivityAt: Date;
  // Getters, read only when selected; a page shares one query per relation.
  @Field(() => [SupportReplyType], { description: 'Oldest first.' }) replies: Promise<SupportReplyType[]>;
  @Field(() => [SupportAttachmentType], { description: 'Oldest first.' }) attachments: Promise<SupportAttachmentType[]>;

  static from(request: SupportRequest, lookups: ThreadLookups): SupportRequestType {
    return SupportRequestType.fill(new SupportRequestType(), request, lookups);
  }

  protected static fill<T extends SupportRequestType>(node: T, request: SupportRequest, lookups: ThreadLookups): T {
    Object.assign(node, {
      id: request.id,
      subject: request.subject,
      body: request.body,
      status: request.status,
      createdByUserId: request.createdByUserId,
      createdAt: request.createdAt,
      updatedAt: request.updatedAt,
      lastActivityAt: request.lastActivityAt,
    });
    defineDeferred(node, 'replies', () => lookups.replies(request.id));
    return defineDeferred(node, 'attachments', () => lookups.attachments(request.id));
  }
}

@ObjectType('SupportTenant', { description: 'The tenant a support request comes from, as support staff see it.' })
export class SupportTenantType {
  @Field(() => ID) id: string;
  @Field() name: string;
}

@ObjectType('StaffSupportRequest', { description: 'A support request as PromoX support staff see it, with its tenant.' })
export class StaffSupportRequestType extends SupportRequestType {
  @Field(() => SupportTenantType) tenant: SupportTenantType;

  static forStaff(request: SupportRequest, lookups: ThreadLookups, tenantName: string): StaffSupportRequestType {
    const node = SupportRequestType.fill(new StaffSupportRequestType(), request, lookups);
    node.tenant = Object.assign(new SupportTenantType(), { id: request.tenantId, name: tenantName });
    return node;
  }
}

export const SupportRequestConnection = Connection(SupportRequestType, 'SupportRequest');
export const StaffSupportRequestConnection = Connection(StaffSupportRequestType, 'StaffSupportRequest');
