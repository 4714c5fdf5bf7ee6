import { Injectable } from '@nestjs/common';
import { AccountErasure, UserProfiles } from '../../accounts/index.js';
import { AuditLog, AuditRedaction } from '../../audit/index.js';
import { ConsentService } from '../../consent/index.js';
import { setSessionTenant } from '../../database/tenant-session.js';
import { handoverMessage } from '../erasure/account-ownership.rules.js';
import { MentionEraser, type MentionScope } from '../erasure/mention-eraser.sql.js';
import { PersonalDataEraser, type ErasureSubject } from '../erasure/personal-data-eraser.sql.js';
import { SubjectIdentifierReader } from '../erasure/subject-identifiers.reader.js';
import { blankRequestHistory } from '../erasure/request-history.sql.js';
import { SubjectTenants } from '../personal-data/subject-tenants.js';
import { DataSubjectKind, DataSubjectRequestType } from '../requests/data-subject-request.entity.js';
import { PrivacyJobRejection, type PrivacyJob, type PrivacyJobProcessor } from './privacy-job.js';

/** The registry's modules whose rows sit in the user's tenants, erased one per step while the memberships still say which. */
const TENANT_MODULES = ['business', 'consent', 'audit'] as const;
/** Tables this job redacts through their owner's path rather than the generic rules. */
const AUDIT_TRAIL = new Set(['audit_entry']);

/**
 * A user's erasure of their own account. The user's rows live in every tenant they belong to (or acted in and left)
 * and in platform tables, so each module's step applies the registry's rules once with no tenant (platform rows, their
 * own requests) and once as each of those tenants in turn, with row-level security set for that tenant exactly as for
 * its requests.
 *
 * Order matters: `check` refuses (rejects) while the user is a tenant's only owner; `suppress` puts their addresses
 * (current and rectified-away) on the suppression list while they are still known; `mentions` replaces their names,
 * email and phone in every declared free-text column of every scope; the tenant modules go while the memberships
 * still name the tenants; `accounts` then leaves every tenant, signs out every session, pseudonymises the user row and locks it;
 * `trail` redacts their audit entries in every chain last, after the sign-out, so nothing they do later escapes it.
 * Each step commits with its done-mark and every statement is idempotent, so a crash resumes at the next step.
 */
@Injectable()
export class UserErasureJob implements PrivacyJobProcessor {
  readonly type = DataSubjectRequestType.ERASURE;
  readonly subjects = [DataSubjectKind.USER] as const;
  readonly steps = ['check', 'suppress', 'mentions', ...TENANT_MODULES, 'privacy', 'accounts', 'trail'] as const;

  constructor(
    private readonly eraser: PersonalDataEraser,
    private readonly users: UserProfiles,
    private readonly accounts: AccountErasure,
    private readonly consent: ConsentService,
    private readonly redaction: AuditRedaction,
    private readonly audit: AuditLog,
    private readonly subjectTenants: SubjectTenants,
    private readonly mentions: MentionEraser,
    private readonly identifiers: SubjectIdentifierReader,
  ) {}

  async runStep(step: string, job: PrivacyJob): Promise<Record<string, unknown>> {
    const { ctx, em, request, now } = job;
    const userId = request.subjectUserId ?? '';
    switch (step) {
      case 'check': {
        if (!(await this.users.exists(userId))) throw new PrivacyJobRejection('The account no longer exists, so there is nothing to erase.');
        // Ownership may have changed since filing (a co-owner left): a tenant must not be left without an owner.
        const handovers = await this.accounts.handoversNeeded(userId);
        if (handovers.length > 0) throw new PrivacyJobRejection(handoverMessage(handovers));
        return { tenants: (await this.accounts.tenantsOf(userId)).length };
      }
      case 'suppress': {
        // Every address they were known by: the current ones and those their rectifications replaced.
        const known = await this.identifiers.of(em, { kind: 'user', id: userId });
        return { withdrawn: await this.consent.objectToMarketing(ctx, { userId }, known) };
      }
      case 'mentions': {
        // Their names, email and phone in what anyone wrote (notes, communications, threads), in every tenant and the platform.
        const identifiers = await this.identifiers.of(em, { kind: 'user', id: userId });
        return { erased: await this.inEveryScope(job, (scope) => this.mentions.eraseMentions(em, identifiers, scope)) };
      }
      case 'privacy': {
        const erased = await this.eraseEverywhere(job, step, { kind: 'user', id: userId });
        // The history of the user's own requests (rectifications' old and new values, notes) is theirs too.
        erased.data_subject_request_event = await blankRequestHistory(em, { subjectUserId: userId });
        return { erased };
      }
      case 'accounts': {
        // Checked again at the last moment before leaving: the step fails (and is retried) rather than orphan a tenant.
        const handovers = await this.accounts.handoversNeeded(userId);
        if (handovers.length > 0) throw new Error(handoverMessage(handovers));
        const addresses = await this.users.addresses(userId);
        // Memberships, sessions and invitations to the address are platform rows: no tenant scope is needed.
        const erased = await this.eraser.eraseModule(em, 'accounts', { kind: 'user', id: userId, email: addresses?.email });
        await this.accounts.lockOut(userId);
        return { erased };
      }
      case 'trail': {
        const redacted = await this.redaction.redactActor(em, userId, now);
        // The platform's trail records that the account was erased (by id only).
        await this.audit.record(ctx, [{ action: 'privacyRequest.erase', targetType: 'User', targetId: userId, tenantId: null }], { em });
        return { erased: { audit_entry: redacted } };
      }
      default:
        return { erased: await this.eraseEverywhere(job, step, { kind: 'user', id: userId }) };
    }
  }

  /** Applies one module's rules with no tenant, then as each tenant the user belongs to or acted in; rows per table. */
  private eraseEverywhere(job: PrivacyJob, module: string, subject: ErasureSubject): Promise<Record<string, number>> {
    return this.inEveryScope(job, () => this.eraser.eraseModule(job.em, module, subject, { redactedByCaller: AUDIT_TRAIL }));
  }

  /** Runs `erase` with no tenant (platform rows, their own requests), then as each tenant of theirs; rows per table. */
  private async inEveryScope({ em, request }: PrivacyJob, erase: (scope: MentionScope) => Promise<Record<string, number>>): Promise<Record<string, number>> {
    const totals: Record<string, number> = {};
    // Tenants they left too: the trail shows where they acted, and their rows there are theirs as much as anywhere.
    const scopes = [null, ...(await this.subjectTenants.ofUser(em, request.subjectUserId ?? ''))];
    for (const tenantId of scopes) {
      await setSessionTenant(em, tenantId);
      const touched = await erase(tenantId ? 'tenant' : 'platform');
      for (const [table, count] of Object.entries(touched)) totals[table] = (totals[table] ?? 0) + count;
    }
    // Back to the job's own scope (a user's request has no tenant) for the rest of the step.
    await setSessionTenant(em, null);
    return totals;
  }
}
