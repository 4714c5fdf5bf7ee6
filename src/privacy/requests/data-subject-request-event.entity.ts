import { Entity, Enum, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { registerEnumType } from '@nestjs/graphql';
import { APP_ROLE, BaseEntity, ofVisibleParent } from '../../database/base.entity.js';
import { DataSubjectRequest, DataSubjectRequestStatus } from './data-subject-request.entity.js';

export enum DataSubjectRequestEventKind {
  RECEIVED = 'RECEIVED',
  /** A second request of the same type for the same subject was filed while this one was open. */
  MERGED = 'MERGED',
  VERIFIED = 'VERIFIED',
  STARTED = 'STARTED',
  /** One step of the job committed (e.g. the rectification applied). */
  STEP_COMPLETED = 'STEP_COMPLETED',
  ATTEMPT_FAILED = 'ATTEMPT_FAILED',
  /** The job failed its last allowed attempt and waits for a person. */
  GAVE_UP = 'GAVE_UP',
  /** A privacy manager had a job that gave up tried again (after fixing what made it fail). */
  RETRIED = 'RETRIED',
  DEADLINE_EXTENDED = 'DEADLINE_EXTENDED',
  COMPLETED = 'COMPLETED',
  REJECTED = 'REJECTED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(DataSubjectRequestEventKind, { name: 'DataSubjectRequestEventKind' });

export enum EventActorType {
  USER = 'USER',
  SYSTEM = 'SYSTEM',
}
registerEnumType(EventActorType, { name: 'PrivacyEventActorType' });

/** An event is visible exactly when its request is: the request's own policies decide, through the subquery. */
const ofVisibleRequest = ofVisibleParent({ table: 'data_subject_request', alias: 'r' }, 'request_id');

/** One step in a request's history. Kept with the request; `details` may hold personal data and is erased with it. */
@Entity({
  rowLevelSecurity: 'force',
  policies: [{ name: 'of_visible_request', roles: [APP_ROLE], using: ofVisibleRequest, check: ofVisibleRequest }],
})
export class DataSubjectRequestEvent extends BaseEntity {
  @ManyToOne(() => DataSubjectRequest, { deleteRule: 'cascade', index: true })
  request: DataSubjectRequest;

  @Enum({ items: () => DataSubjectRequestEventKind, nativeEnumName: 'data_subject_request_event_kind' })
  kind: DataSubjectRequestEventKind;

  @Enum({ items: () => DataSubjectRequestStatus, nativeEnumName: 'data_subject_request_status', nullable: true })
  fromStatus?: DataSubjectRequestStatus;

  @Enum({ items: () => DataSubjectRequestStatus, nativeEnumName: 'data_subject_request_status', nullable: true })
  toStatus?: DataSubjectRequestStatus;

  @Enum({ items: () => EventActorType, nativeEnumName: 'privacy_event_actor_type' })
  actorType: EventActorType;

  @Property({ type: 'uuid', nullable: true })
  actorUserId?: string;

  /** A system job's name. */
  @Property({ length: 100, nullable: true })
  actorName?: string;

  /** A person's words (a reason, a verification note), or an error message. */
  @Property({ length: 2000, nullable: true })
  note?: string;

  /** Structured facts of the step: a step's name, the fields changed with old and new values. */
  @Property({ type: 'jsonb', nullable: true })
  details?: Record<string, unknown>;
}
