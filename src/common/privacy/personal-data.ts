import { DiscoveryService } from '@nestjs/core';

/** Whose data a row holds: a user of the platform, or a contact of a tenant. */
export type DataSubjectKind = 'user' | 'contact';

/**
 * What a data-subject right does to a personal column:
 * - EXPORT: included in an access/portability export, left as is on erasure (e.g. a member's role).
 * - ERASE: exported, then deleted on erasure (the row, or the column blanked; see the table's `onErasure`).
 * - PSEUDONYMISE: exported, then replaced by a placeholder on erasure because the row must stay (legal hold: orders).
 * - REDACT: exported, then blanked through the owner's redaction path (audit entries keep their hash chain).
 * - KEEP: not exported and not erased, with a reason (a secret such as a password hash is erased with its row).
 */
export enum PersonalDataTreatment {
  EXPORT = 'EXPORT',
  ERASE = 'ERASE',
  PSEUDONYMISE = 'PSEUDONYMISE',
  REDACT = 'REDACT',
  KEEP = 'KEEP',
}

/** What erasure does to a linked row as a whole. */
export type ErasureRule = 'DELETE_ROW' | 'BLANK_COLUMNS' | 'PSEUDONYMISE_ROW' | 'REDACT_COLUMNS' | 'KEEP_ROW';

/** Why a member's id is kept on the tenant's records when that member's account is erased. */
export const MEMBER_ID_KEPT = "A member's id: it names who acted, and stays pointing at the pseudonymised user after erasure.";

/** How a row is found for a subject: a column holding the user's or contact's id (or, for invitations, email). */
export interface SubjectLink {
  subject: DataSubjectKind;
  column: string;
  /** What the column holds; `id` by default. */
  matches?: 'id' | 'email';
  /**
   * What erasure does to rows found through this link, when it differs from the table's `onErasure`: a row can be
   * the subject's own through one link (a contact's communication) and the tenant's record through another (the
   * member who wrote it), and a member's erasure must not delete the tenant's records.
   */
  onErasure?: ErasureRule;
}

/** What a subject's identifier column holds, which says how it is looked for in free text. */
export type IdentifierKind = 'name' | 'email' | 'phone';

export interface PersonalColumn {
  column: string;
  treatment: PersonalDataTreatment;
  /** Why, when the treatment is KEEP or anything less than erasure. */
  reason?: string;
  /**
   * On the subject's own row (a contact's, a user's): the column names them, so erasure looks for its value, and for
   * every value a rectification replaced, in every declared free-text column, and replaces it there.
   */
  identifies?: IdentifierKind;
}

/**
 * A column of people's own words (notes, bodies, messages, reasons) that may name any data subject, whoever its row
 * belongs to. Erasure replaces the subject's identifiers in it with `[erased]`, in every row it reaches, and keeps the
 * rest of the text; the personal-data coverage test fails for a free-text-looking column that is not declared.
 */
export interface FreeTextColumn {
  column: string;
  /**
   * The table is append-only (a ledger): its trigger lets this column change only while erasure says it is replacing
   * identifiers (`app.erasing_mentions`), and nothing else in the row.
   */
  appendOnly?: boolean;
}

export interface PersonalDataTable {
  table: string;
  /** The columns that tie a row to a subject; each is itself personal (an identifier) and must be declared here. */
  links: SubjectLink[];
  columns: PersonalColumn[];
  /** What erasure does to a linked row as a whole (unless a link says otherwise). */
  onErasure: ErasureRule;
  /** Why, for anything but DELETE_ROW (and for every link that overrides it). */
  reason?: string;
  /** Its free-text columns, in which erasure replaces any subject's identifiers. */
  freeText?: FreeTextColumn[];
  /**
   * Its rows belong to no tenant (a user's consent ledger): a contact's erasure, which is a tenant's, leaves its free
   * text alone; a user's erasure rewrites it.
   */
  platform?: boolean;
}

/** The kinds of data the privacy policy promises a retention period for; `retentionPolicies` lists them. */
export enum RetentionDataKind {
  USAGE_EVENTS = 'USAGE_EVENTS',
  IP_ADDRESSES = 'IP_ADDRESSES',
  PRIVACY_EXPORTS = 'PRIVACY_EXPORTS',
  CLOSED_TENANT_DATA = 'CLOSED_TENANT_DATA',
  LEGAL_HOLD_RECORDS = 'LEGAL_HOLD_RECORDS',
  AUDIT_TRAIL = 'AUDIT_TRAIL',
  PRIVACY_REQUESTS = 'PRIVACY_REQUESTS',
}

/** How long one kind of data is kept, and what happens to it then. */
export interface RetentionPolicy {
  kind: RetentionDataKind;
  /** What the data is, in the privacy policy's words. */
  description: string;
  /** The period in days when it is a fixed number of days; null when it depends on an event or a tenant setting. */
  days: number | null;
  /** The period in words (e.g. "180 days after the event", "taxRetentionYears after the tenant closes"). */
  period: string;
  /** Where the period is set: an environment variable, a tenant setting, or fixed. */
  configuredBy: string;
  /** What happens when the period ends. */
  then: string;
}

/** A table whose rows the law requires keeping after a tenant closes (accounting records), and why. */
export interface LegalHoldTable {
  table: string;
  reason: string;
  /**
   * Free-text columns the law does not require keeping, blanked when the tenant is purged: people's words about
   * anything (delivery notes naming a person) would otherwise stay for years with the records.
   */
  blankOnPurge?: string[];
}

/**
 * One module's data declaration: every table of it that holds data about a user or a contact; the retention periods
 * it keeps; and the tables that survive a tenant's purge until the legal hold ends.
 */
export interface PersonalDataDeclaration {
  module: string;
  tables: PersonalDataTable[];
  retention?: RetentionPolicy[];
  legalHold?: LegalHoldTable[];
}

/** Implemented by one provider per feature module; the privacy module collects them all. */
export interface PersonalDataSource {
  personalData(): PersonalDataDeclaration;
}

/**
 * Marks a provider as a PersonalDataSource. The privacy module finds every provider so marked through Nest's
 * discovery, so a feature module declares its data by adding one provider, and imports nothing from privacy.
 */
export const DeclaresPersonalData = DiscoveryService.createDecorator<true>();
