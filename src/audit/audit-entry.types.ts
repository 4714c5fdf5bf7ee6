import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { Connection } from '../common/pagination/connection.types.js';
import { AuditActorType, AuditResult, type AuditEntry } from './audit-entry.entity.js';

@ObjectType('AuditEntry', {
  description: "One line of the tenant's audit trail: who did what to which record, with what result, from where.",
})
export class AuditEntryType {
  @Field(() => ID) id: string;
  @Field({ description: "Position in the tenant's hash chain (1, 2, 3, …), as a decimal string." }) sequence: string;
  @Field() occurredAt: Date;
  @Field(() => AuditActorType) actorType: AuditActorType;
  @Field(() => ID, { nullable: true }) actorUserId: string | null;
  @Field(() => ID, { nullable: true }) actorApiKeyId: string | null;
  @Field(() => String, { nullable: true, description: "A system job's name." }) actorName: string | null;
  @Field({ description: 'The operation (e.g. `createOrder`) or event (`auth.signIn`, `apiKey.use`, `supportRequest.staffRead`).' })
  action: string;
  @Field(() => String, { nullable: true }) targetType: string | null;
  @Field(() => String, { nullable: true }) targetId: string | null;
  @Field(() => AuditResult) result: AuditResult;
  @Field(() => String, { nullable: true, description: 'The error code of a FAILURE or DENIED entry.' }) errorCode: string | null;
  @Field() requestId: string;
  @Field(() => String, { nullable: true, description: `The client's IP address; its last octet (IPv6: last 80 bits) is removed after IP_RETENTION_DAYS.` })
  ip: string | null;
  @Field(() => String, { nullable: true }) userAgent: string | null;
  @Field(() => String, { nullable: true, description: 'Browser and major version, parsed from the user agent.' }) browser: string | null;
  @Field(() => String, { nullable: true, description: 'Operating system and version, parsed from the user agent.' }) os: string | null;
  @Field(() => String, { nullable: true, description: 'desktop, mobile, tablet, …' }) deviceType: string | null;
  @Field(() => Date, { nullable: true, description: 'When personal fields were redacted (IP truncated or erased).' })
  redactedAt: Date | null;
  @Field() hash: string;

  static from(this: void, entry: AuditEntry): AuditEntryType {
    return Object.assign(new AuditEntryType(), {
      id: entry.id,
      sequence: entry.chainSeq,
      occurredAt: entry.occurredAt,
      actorType: entry.actorType,
      actorUserId: entry.actorUserId ?? null,
      actorApiKeyId: entry.actorApiKeyId ?? null,
      actorName: entry.actorName ?? null,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      result: entry.result,
      errorCode: entry.errorCode ?? null,
      requestId: entry.requestId,
      ip: entry.ip ?? null,
      userAgent: entry.userAgent ?? null,
      browser: entry.browser ?? null,
      os: entry.os ?? null,
      deviceType: entry.deviceType ?? null,
      redactedAt: entry.redactedAt ?? null,
      hash: entry.hash,
    });
  }
}

export const AuditEntryConnection = Connection(AuditEntryType, 'AuditEntry');

@ObjectType('AuditChainVerification', { description: "The result of re-computing the tenant's audit hash chain." })
export class AuditChainVerificationType {
  @Field({ description: "True when every entry's hash, link and position check out, and the chain ends where its head says." })
  valid: boolean;
  @Field(() => Int) entriesChecked: number;
  @Field(() => ID, { nullable: true, description: 'The first entry that does not check out.' }) firstBrokenEntryId: string | null;
  @Field(() => String, { nullable: true, description: 'Its position in the chain.' }) firstBrokenSequence: string | null;
  @Field(() => String, { nullable: true, description: 'What is wrong with it.' }) problem: string | null;
}
