import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import {
  DeclaresPersonalData,
  PersonalDataTreatment as T,
  RetentionDataKind as K,
  type PersonalDataDeclaration,
  type PersonalDataSource,
} from '../common/privacy/personal-data.js';

/** Device and log data kept with audit entries, and usage events (stored only with ANALYTICS consent). */
@Injectable()
@DeclaresPersonalData()
export class AuditPersonalData implements PersonalDataSource {
  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  personalData(): PersonalDataDeclaration {
    return {
      module: 'audit',
      retention: [
        {
          kind: K.IP_ADDRESSES,
          description: 'IP addresses kept with audit entries and sign-in sessions.',
          days: this.config.IP_RETENTION_DAYS,
          period: `${this.config.IP_RETENTION_DAYS} days after they were recorded`,
          configuredBy: 'IP_RETENTION_DAYS (environment)',
          then: 'Truncated: IPv4 loses its last octet, IPv6 its last 80 bits.',
        },
        {
          kind: K.USAGE_EVENTS,
          description: 'Usage events (pages, features, sessions; only with ANALYTICS consent) and per-operation counts.',
          days: this.config.USAGE_RETENTION_DAYS,
          period: `${this.config.USAGE_RETENTION_DAYS} days after the event`,
          configuredBy: 'USAGE_RETENTION_DAYS (environment)',
          then: 'Deleted.',
        },
        {
          kind: K.AUDIT_TRAIL,
          description: 'The hash-chained audit trail of changes, sign-ins, refusals and staff access.',
          days: null,
          period: 'As long as the tenant exists; after closure, as a legal-hold record for taxRetentionYears',
          configuredBy: 'taxRetentionYears (tenant setting)',
          then: 'Personal fields (IP, user agent, device) are blanked when the tenant is purged; the entries are deleted when the legal hold ends.',
        },
      ],
      legalHold: [{ table: 'audit_entry', reason: 'Evidence of who did what, kept with the records it describes; its personal fields are redacted.' }],
      tables: [
        {
          table: 'audit_entry',
          links: [{ subject: 'user', column: 'actor_user_id' }],
          columns: ['ip', 'user_agent', 'browser', 'os', 'device_type'].map((column) => ({ column, treatment: T.REDACT })),
          onErasure: 'REDACT_COLUMNS',
          reason:
            'The trail is append-only and hash-chained: personal fields are covered by a salted digest, so they are blanked without breaking the chain; the actor id stays.',
        },
        {
          table: 'usage_event',
          links: [{ subject: 'user', column: 'user_id' }],
          columns: [{ column: 'name', treatment: T.ERASE }],
          onErasure: 'DELETE_ROW',
        },
      ],
    };
  }
}
