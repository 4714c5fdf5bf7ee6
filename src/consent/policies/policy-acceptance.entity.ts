import { Entity, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { AppendOnlyEntity, appendOnlyTriggers } from '../../database/base.entity.js';
import { PolicyDocument } from './policy-document.entity.js';

/** A user's acceptance of one policy version, with where it came from: the proof that they agreed. A platform table. */
@Entity({ triggers: appendOnlyTriggers() })
@Unique({ properties: ['userId', 'policyDocument'] })
export class PolicyAcceptance extends AppendOnlyEntity {
  @Property({ type: 'uuid' })
  userId: string;

  @ManyToOne(() => PolicyDocument, { mapToPk: true, deleteRule: 'restrict' })
  policyDocument: string;

  @Property({ length: 64, nullable: true })
  ip?: string;

  @Property({ length: 512, nullable: true })
  userAgent?: string;
}
