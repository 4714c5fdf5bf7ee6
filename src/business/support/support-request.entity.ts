import { Collection, OptionalProps, type Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, OneToMany, Property } from '@mikro-orm/decorators/legacy';
import { registerEnumType } from '@nestjs/graphql';
import { TenantOwnedEntity, tenantPolicies } from '../../database/base.entity.js';

export enum SupportRequestStatus {
  OPEN = 'OPEN',
  ANSWERED = 'ANSWERED',
  CLOSED = 'CLOSED',
}
registerEnumType(SupportRequestStatus, { name: 'SupportRequestStatus' });

/**
 * A message from a tenant member to the platform's support team. Support staff (role crm_support) reach these
 * tables of every tenant, and nothing else of theirs.
 */
@Entity(tenantPolicies({ platformSupport: true }))
@Index({ properties: ['tenantId', 'createdAt', 'id'] })
@Index({ properties: ['status', 'lastActivityAt', 'id'] })
export class SupportRequest extends TenantOwnedEntity {
  // Optional in em.create() because they have defaults; listed here, since an Opt<…> enum is no enum to the lint.
  [OptionalProps]?: 'status';

  @Property({ length: 200 })
  subject: string;

  @Property({ type: 'text' })
  body: string;

  @Enum({ items: () => SupportRequestStatus, nativeEnumName: 'support_request_status' })
  status: SupportRequestStatus = SupportRequestStatus.OPEN;

  @Property({ type: 'uuid' })
  createdByUserId: string;

  @Property({ type: 'timestamptz' })
  lastActivityAt: Opt<Date> = new Date();

  @OneToMany(() => SupportReply, (reply) => reply.request, { orderBy: { createdAt: 'asc', id: 'asc' } })
  replies = new Collection<SupportReply>(this);

  @OneToMany(() => SupportAttachment, (attachment) => attachment.request, { orderBy: { createdAt: 'asc', id: 'asc' } })
  attachments = new Collection<SupportAttachment>(this);
}

/** A reply in a support thread, by the requesting tenant's member or by support staff. */
@Entity(tenantPolicies({ platformSupport: true }))
export class SupportReply extends TenantOwnedEntity {
  @ManyToOne(() => SupportRequest, { deleteRule: 'cascade', index: true })
  request: SupportRequest;

  @Property({ type: 'text' })
  body: string;

  @Property({ type: 'uuid' })
  authorUserId: string;

  @Property()
  fromSupportStaff: boolean;
}

/** A file sent with a support request or reply: metadata plus the stored bytes (loaded only when downloaded). */
@Entity(tenantPolicies({ platformSupport: true }))
export class SupportAttachment extends TenantOwnedEntity {
  @ManyToOne(() => SupportRequest, { deleteRule: 'cascade', index: true })
  request: SupportRequest;

  @ManyToOne(() => SupportReply, { deleteRule: 'cascade', nullable: true, index: true })
  reply?: SupportReply;

  @Property({ length: 255 })
  fileName: string;

  @Property({ length: 100 })
  contentType: string;

  @Property({ type: 'integer' })
  sizeBytes: number;

  /** SHA-256 of the content, hex. */
  @Property({ length: 64 })
  sha256: string;

  @Property({ type: 'blob', lazy: true })
  content: Buffer;

  @Property({ type: 'uuid' })
  uploadedByUserId: string;
}
