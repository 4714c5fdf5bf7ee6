import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { PrivacyDeadlineRule } from '../../accounts/index.js';
import { Connection } from '../../common/pagination/connection.types.js';
import type { FieldChange } from '../../common/privacy/rectification.js';
import type { JobState } from '../../database/job-queue/job-queue.js';
import {
  DataSubjectKind,
  DataSubjectRequestStatus,
  DataSubjectRequestType,
  IdentityVerificationMethod,
  type DataSubjectRequest,
} from './data-subject-request.entity.js';
import { DataSubjectRequestEventKind, EventActorType, type DataSubjectRequestEvent } from './data-subject-request-event.entity.js';
import { isOpen } from './data-subject-request.rules.js';

@ObjectType('PrivacyFieldValue', { description: 'A field a rectification asks to change, and its corrected value (null: clear it).' })
export class PrivacyFieldValueType {
  @Field() field: string;
  @Field(() => String, { nullable: true }) value: string | null;
}

@ObjectType('PrivacyFieldChange', { description: 'A field a rectification changed, with its value before and after.' })
export class PrivacyFieldChangeType {
  @Field() field: string;
  @Field(() => String, { nullable: true }) old: string | null;
  @Field(() => String, { nullable: true }) new: string | null;
}

@ObjectType('PrivacyRequestEvent', { description: "One step in a privacy request's history." })
export class PrivacyRequestEventType {
  @Field(() => ID) id: string;
  @Field(() => DataSubjectRequestEventKind) kind: DataSubjectRequestEventKind;
  @Field() at: Date;
  @Field(() => DataSubjectRequestStatus, { nullable: true }) fromStatus: DataSubjectRequestStatus | null;
  @Field(() => DataSubjectRequestStatus, { nullable: true }) toStatus: DataSubjectRequestStatus | null;
  @Field(() => EventActorType) actorType: EventActorType;
  @Field(() => ID, { nullable: true }) actorUserId: string | null;
  @Field(() => String, { nullable: true, description: "A system job's name." }) actorName: string | null;
  @Field(() => String, { nullable: true, description: 'A reason, a verification note, or an error message.' }) note: string | null;
  @Field(() => String, { nullable: true, description: 'The job step, for STEP_COMPLETED and ATTEMPT_FAILED.' }) step: string | null;
  @Field(() => Date, { nullable: true, description: "For an export's `publish` step: when its download link expires." })
  linkExpiresAt: Date | null;
  @Field(() => [PrivacyFieldChangeType], { description: 'Fields changed by this step (rectification), or merged into the request.' })
  fieldChanges: PrivacyFieldChangeType[];

  static from(this: void, event: DataSubjectRequestEvent): PrivacyRequestEventType {
    const details = event.details ?? {};
    const changes = Array.isArray(details.changes) ? (details.changes as FieldChange[]) : [];
    return Object.assign(new PrivacyRequestEventType(), {
      id: event.id,
      kind: event.kind,
      at: event.createdAt,
      fromStatus: event.fromStatus ?? null,
      toStatus: event.toStatus ?? null,
      actorType: event.actorType,
      actorUserId: event.actorUserId ?? null,
      actorName: event.actorName ?? null,
      note: event.note ?? null,
      step: typeof details.step === 'string' ? details.step : null,
      linkExpiresAt: typeof details.linkExpiresAt === 'string' ? new Date(details.linkExpiresAt) : null,
      fieldChanges: changes.map((c) => Object.assign(new PrivacyFieldChangeType(), { field: c.field, old: c.old ?? null, new: c.new ?? null })),
    });
  }
}

@ObjectType('PrivacyRequest', {
  description: 'A data-subject request (access, portability, rectification, erasure, objection) and how it was handled.',
})
export class PrivacyRequestType {
  @Field(() => ID) id: string;
  @Field(() => DataSubjectRequestType) type: DataSubjectRequestType;
  @Field(() => DataSubjectRequestStatus) status: DataSubjectRequestStatus;
  @Field(() => DataSubjectKind) subjectKind: DataSubjectKind;
  @Field(() => ID, { nullable: true, description: "The user, for a user's own request." }) subjectUserId: string | null;
  @Field(() => ID, { nullable: true, description: 'The contact, for a request filed by the tenant.' }) subjectContactId: string | null;
  @Field(() => [PrivacyFieldValueType], { description: 'What a rectification asks to change; empty for other types.' })
  changes: PrivacyFieldValueType[];
  @Field() receivedAt: Date;
  @Field(() => PrivacyDeadlineRule) deadlineRule: PrivacyDeadlineRule;
  @Field({ description: 'When the answer is due (after any extension).' }) dueAt: Date;
  @Field({ description: 'The due date before any extension.' }) originalDueAt: Date;
  @Field({ description: 'Still open and past its due date.' }) overdue: boolean;
  @Field(() => Date, { nullable: true }) extendedAt: Date | null;
  @Field(() => String, { nullable: true }) extensionReason: string | null;
  @Field(() => Date, { nullable: true }) verifiedAt: Date | null;
  @Field(() => IdentityVerificationMethod, { nullable: true }) verificationMethod: IdentityVerificationMethod | null;
  @Field(() => String, { nullable: true }) verificationNote: string | null;
  @Field(() => ID, { nullable: true }) verifiedByUserId: string | null;
  @Field(() => ID, { nullable: true, description: "The member who filed it, for a contact's request." }) filedByUserId: string | null;
  @Field(() => ID, { nullable: true, description: 'Who last acted on it.' }) handledByUserId: string | null;
  @Field(() => String, { nullable: true }) rejectionReason: string | null;
  @Field(() => Date, { nullable: true, description: 'When it was completed, rejected or cancelled.' }) closedAt: Date | null;
  @Field(() => Int, { description: 'How often its background job was tried.' }) attempts: number;
  @Field(() => String, { nullable: true, description: 'Why the last attempt of its background job failed; null once it succeeds.' })
  lastError: string | null;
  @Field(() => Date, { nullable: true, description: 'When its background job runs (again); null when there is nothing to run.' })
  nextAttemptAt: Date | null;
  @Field(() => [String], { description: 'Steps of its background job that are done.' }) stepsDone: string[];
  @Field(() => [PrivacyRequestEventType], { description: 'Every step of its history, oldest first.' })
  events: PrivacyRequestEventType[];

  static from(request: DataSubjectRequest, now: Date, events: DataSubjectRequestEvent[], job?: JobState): PrivacyRequestType {
    return Object.assign(new PrivacyRequestType(), {
      id: request.id,
      type: request.type,
      status: request.status,
      subjectKind: request.subjectKind,
      subjectUserId: request.subjectUserId ?? null,
      subjectContactId: request.subjectContactId ?? null,
      changes: Object.entries(request.changes ?? {}).map(([field, value]) => Object.assign(new PrivacyFieldValueType(), { field, value })),
      receivedAt: request.receivedAt,
      deadlineRule: request.deadlineRule,
      dueAt: request.dueAt,
      originalDueAt: request.originalDueAt,
      overdue: isOpen(request.status) && request.dueAt.getTime() < now.getTime(),
      extendedAt: request.extendedAt ?? null,
      extensionReason: request.extensionReason ?? null,
      verifiedAt: request.verifiedAt ?? null,
      verificationMethod: request.verificationMethod ?? null,
      verificationNote: request.verificationNote ?? null,
      verifiedByUserId: request.verifiedByUserId ?? null,
      filedByUserId: request.filedByUserId ?? null,
      handledByUserId: request.handledByUserId ?? null,
      rejectionReason: request.rejectionReason ?? null,
      closedAt: request.closedAt ?? null,
      attempts: job?.attempts ?? 0,
      lastError: job?.lastError ?? null,
      nextAttemptAt: job?.runAt ?? null,
      stepsDone: [...request.jobStepsDone],
      events: events.map(PrivacyRequestEventType.from),
    });
  }
}

export const PrivacyRequestConnection = Connection(PrivacyRequestType, 'PrivacyRequest');
