import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { PolicyKind } from '../purposes/consent-purpose.js';
import type { PolicyAcceptance } from './policy-acceptance.entity.js';
import type { PolicyDocument } from './policy-document.entity.js';

@ObjectType('PolicyVersion', { description: 'Which version of a policy document: enough to prove which text was shown.' })
export class PolicyVersionType {
  @Field(() => ID) id: string;
  @Field(() => PolicyKind) kind: PolicyKind;
  @Field(() => Int) version: number;
  @Field() effectiveAt: Date;
  @Field({ description: 'SHA-256 of the text (UTF-8), hex.' }) contentHash: string;

  static from(this: void, document: PolicyDocument): PolicyVersionType {
    return Object.assign(new PolicyVersionType(), {
      id: document.id,
      kind: document.kind,
      version: document.version,
      effectiveAt: document.effectiveAt,
      contentHash: document.contentHash,
    });
  }
}

@ObjectType('PolicyDocument', { description: 'One published version of the privacy policy, the terms or the cookie policy.' })
export class PolicyDocumentType extends PolicyVersionType {
  @Field() text: string;
  @Field() publishedAt: Date;

  static override from(this: void, document: PolicyDocument): PolicyDocumentType {
    return Object.assign(new PolicyDocumentType(), PolicyVersionType.from(document), {
      text: document.text,
      publishedAt: document.createdAt,
    });
  }
}

@ObjectType('PolicyAcceptance', { description: 'The proof that a user accepted a policy version.' })
export class PolicyAcceptanceType {
  @Field(() => PolicyVersionType) policy: PolicyVersionType;
  @Field() acceptedAt: Date;
  @Field(() => String, { nullable: true }) ip: string | null;
  @Field(() => String, { nullable: true }) userAgent: string | null;

  static from(acceptance: PolicyAcceptance, document: PolicyDocument): PolicyAcceptanceType {
    return Object.assign(new PolicyAcceptanceType(), {
      policy: PolicyVersionType.from(document),
      acceptedAt: acceptance.createdAt,
      ip: acceptance.ip ?? null,
      userAgent: acceptance.userAgent ?? null,
    });
  }
}
