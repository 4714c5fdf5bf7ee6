import { Entity, Enum, Index, Property, Unique } from '@mikro-orm/decorators/legacy';
import { AppendOnlyEntity, appendOnlyTriggers } from '../../database/base.entity.js';
import { PolicyKind } from '../purposes/consent-purpose.js';

/**
 * One published version of a policy (privacy policy, terms, cookie policy). A platform table. Versions are never
 * edited: a change is a new version with a later effective date, and the hash of the text proves which text a
 * consent or an acceptance refers to.
 */
@Entity({ triggers: appendOnlyTriggers() })
@Unique({ properties: ['kind', 'version'] })
@Index({ properties: ['kind', 'effectiveAt'] })
export class PolicyDocument extends AppendOnlyEntity {
  @Enum({ items: () => PolicyKind, nativeEnumName: 'policy_kind' })
  kind: PolicyKind;

  /** 1, 2, 3, … per kind. */
  @Property()
  version: number;

  @Property({ type: 'timestamptz' })
  effectiveAt: Date;

  @Property({ type: 'text' })
  text: string;

  /** SHA-256 of the text (UTF-8), hex. */
  @Property({ length: 64 })
  contentHash: string;

  /** The platform admin who published it; null for the versions seeded by migrations. */
  @Property({ type: 'uuid', nullable: true })
  publishedByUserId?: string;
}
