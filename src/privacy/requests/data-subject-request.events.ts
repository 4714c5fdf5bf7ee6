import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from '../../common/context/request-context.js';
import type { DataSubjectRequest, DataSubjectRequestStatus } from './data-subject-request.entity.js';
import { DataSubjectRequestEvent, type DataSubjectRequestEventKind, EventActorType } from './data-subject-request-event.entity.js';

export interface EventFacts {
  fromStatus?: DataSubjectRequestStatus;
  toStatus?: DataSubjectRequestStatus;
  note?: string;
  details?: Record<string, unknown>;
}

/** Adds a step to a request's history (persisted with the next flush), by whoever the context names, at `at`. */
export function addRequestEvent(
  em: EntityManager,
  ctx: RequestContext,
  request: DataSubjectRequest,
  kind: DataSubjectRequestEventKind,
  at: Date,
  facts: EventFacts = {},
): DataSubjectRequestEvent {
  return em.create(DataSubjectRequestEvent, {
    request,
    kind,
    fromStatus: facts.fromStatus,
    toStatus: facts.toStatus,
    actorType: ctx.actor.kind === 'system' ? EventActorType.SYSTEM : EventActorType.USER,
    actorUserId: ctx.actor.kind === 'user' ? ctx.actor.userId : undefined,
    actorName: ctx.actor.kind === 'system' ? ctx.actor.name : undefined,
    note: facts.note?.slice(0, 2000),
    details: facts.details,
    createdAt: at,
  });
}
