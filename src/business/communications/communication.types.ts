import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Connection } from '../../common/pagination/connection.types.js';
import { MemberRefType, type MemberSummary } from '../../accounts/index.js';
import { CommunicationChannel, CommunicationDirection, type Communication } from './communication.entity.js';
import { defineDeferred } from '../../common/graphql/deferred-field.js';

/** Resolves a communication's author; shared by a whole page, so that the lookup runs once and only when selected. */
export type AuthorLookup = (userId: string | null) => Promise<MemberSummary | null>;

@ObjectType('Communication', { description: 'An email, call, meeting, SMS or note with a client (and optionally one of its contacts).' })
export class CommunicationType {
  @Field(() => ID) id: string;
  @Field(() => ID) clientId: string;
  @Field(() => ID, { nullable: true }) contactId: string | null;
  @Field(() => CommunicationChannel) channel: CommunicationChannel;
  @Field(() => CommunicationDirection) direction: CommunicationDirection;
  @Field(() => String, { nullable: true }) subject: string | null;
  @Field() body: string;
  @Field() occurredAt: Date;
  @Field({ description: 'A marketing message (as opposed to service).' }) marketing: boolean;
  @Field(() => ID, { nullable: true, description: 'The user who logged it; null when logged through an API key.' })
  authorUserId: string | null;
  /**
   * A getter, read only when the field is selected; the page shares one lookup, so a page costs one query for its
   * authors rather than one per row or a per-field Nest resolver.
   */
  @Field(() => MemberRefType, { nullable: true, description: 'The author, by name (null for API keys, or when no longer a member).' })
  author: Promise<MemberSummary | null>;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;

  static from(communication: Communication, authors: AuthorLookup): CommunicationType {
    const authorUserId = communication.authorUserId ?? null;
    const node = Object.assign(new CommunicationType(), {
      id: communication.id,
      clientId: communication.clientId,
      contactId: communication.contactId ?? null,
      channel: communication.channel,
      direction: communication.direction,
      subject: communication.subject ?? null,
      body: communication.body,
      occurredAt: communication.occurredAt,
      marketing: communication.marketing,
      authorUserId,
      createdAt: communication.createdAt,
      updatedAt: communication.updatedAt,
    });
    return defineDeferred(node, 'author', () => authors(authorUserId));
  }
}

export const CommunicationConnection = Connection(CommunicationType, 'Communication');
