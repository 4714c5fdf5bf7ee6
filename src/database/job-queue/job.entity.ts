import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, Property, Unique } from '@mikro-orm/decorators/legacy';
import { APP_ROLE, BaseEntity, MAINTENANCE_ROLE } from '../base.entity.js';
import { SESSION_USER, sessionTenantPredicate } from '../tenant-sql.js';

export enum JobStatus {
  /** Waiting for `runAt`, or running while `lockedUntil` is ahead. */
  PENDING = 'PENDING',
  DONE = 'DONE',
  /** Failed its kind's last attempt: waits for a person to restart it. */
  GAVE_UP = 'GAVE_UP',
  /** Its work was withdrawn (a privacy request rejected or cancelled before it ran). */
  CANCELLED = 'CANCELLED',
}

const tenantJobs = sessionTenantPredicate();
const ownJobs = `tenant_id is null and user_id = ${SESSION_USER}`;

/**
 * One unit of background work, for every kind of job (privacy requests, Stripe events, and the deliveries to come).
 * A job names what it works on (`kind` + `key`: a request id, an event id) and carries no data of its own: its
 * handler reads that from the row it names, as the tenant (or user) the job runs as. Enqueued in the transaction of the
 * write that makes it due, so a rolled-back write leaves no job; claimed with a lease, so a worker that dies lets
 * another take the job over. A tenant's session sees and enqueues only its tenant's jobs (and a user only their own
 * tenant-less ones); the platform's jobs (no tenant, no user) only crm_maintenance reaches, which also claims them all.
 */
@Entity({
  rowLevelSecurity: 'force',
  policies: [
    { name: 'tenant_jobs', roles: [APP_ROLE], using: tenantJobs, check: tenantJobs },
    { name: 'own_jobs', roles: [APP_ROLE], using: ownJobs, check: ownJobs },
    { name: 'maintenance', roles: [MAINTENANCE_ROLE], using: 'true', check: 'true' },
  ],
})
@Unique({ properties: ['kind', 'key'] })
@Index({ name: 'job_due', expression: `create index "job_due" on "job" ("kind", "run_at") where status = 'PENDING'` })
export class Job extends BaseEntity {
  /** The kind of work, e.g. `privacy-request`; its handler and retry rules are registered under it. */
  @Property({ length: 60 })
  kind: string;

  /** What it works on, unique within the kind. */
  @Property({ length: 255 })
  key: string;

  /** The tenant it runs as; null for a user's own work (then `userId`) or the platform's. Not named `tenantId`: the
   * ORM's tenant filter would hide the tenant-less rows; row-level security scopes them. */
  @Property({ type: 'uuid', fieldName: 'tenant_id', nullable: true })
  ownerTenantId?: string;

  /** The user it acts for when it has no tenant (their own privacy request). */
  @Property({ type: 'uuid', nullable: true })
  userId?: string;

  @Enum({ items: () => JobStatus, nativeEnumName: 'job_status' })
  status: Opt<JobStatus> = JobStatus.PENDING;

  /** Attempts begun, counted when claimed: a worker that died mid-attempt counts too. */
  @Property({ type: 'integer' })
  attempts: Opt<number> = 0;

  /** Why the last attempt failed; cleared when one succeeds. May quote data, so erasure treats it as free text. */
  @Property({ length: 2000, nullable: true })
  lastError?: string;

  /** When it is due (again); null once it is done, gave up or was cancelled. */
  @Property({ type: 'timestamptz', nullable: true })
  runAt?: Date;

  /** A worker holds it until then; after a crash another takes it over once this has passed. */
  @Property({ type: 'timestamptz', nullable: true })
  lockedUntil?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt?: Date;
}
