import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { asTenantContext, type RequestContext, type TenantContext } from '../../common/context/request-context.js';
import { AppError, badInput, ErrorCode } from '../../common/errors/app-errors.js';
import { RateLimitStore } from '../../common/rate-limit/rate-limit.store.js';
import { AppConfig } from '../../config/app-config.js';
import { ConsentPurpose, ConsentSource, ConsentStatus, MARKETING_CHANNEL, PURPOSES, SuppressionChannel } from '../purposes/consent-purpose.js';
import { PolicyDocumentService } from '../policies/policy-document.service.js';
import type { PolicyDocument } from '../policies/policy-document.entity.js';
import { ConsentContacts } from './consent-contacts.js';
import { insertSuppression, latestPerPurpose } from './consent-ledger.sql.js';
import { ConsentEvent } from './consent-event.entity.js';
import { ContactConsentEvent } from './contact-consent-event.entity.js';
import { SuppressionKey } from './suppression-key.js';
import { SuppressionEntry, SuppressionReason } from './suppression-entry.entity.js';
import type { ConsentChoiceInput, PolicyVersionInput } from './consent.inputs.js';
import { ConsentRecordType, ConsentStateType, SubjectConsentType } from './consent.types.js';

/** Whose consent: a signed-in user, a contact of the active tenant, or an anonymous visitor (cookie banner). */
export type ConsentSubject = { userId: string } | { contactId: string } | { visitorId: string };

/** Every email address and phone number a person was known by. */
export interface KnownAddresses {
  emails: readonly string[];
  phones: readonly string[];
}

/** A contact about to receive a marketing message, with the addresses the suppression list is checked against. */
export interface MarketingRecipient {
  contactId: string;
  email?: string | null;
  phone?: string | null;
}

/** One ledger row, whichever ledger it came from. */
export type LedgerEvent = ConsentEvent | ContactConsentEvent;

/** One choice to record: a purpose granted or withdrawn. */
export type ConsentChoice = Pick<ConsentChoiceInput, 'purpose' | 'status'>;
/** A policy document's version, by kind. */
export type PolicyVersion = Pick<PolicyVersionInput, 'kind' | 'version'>;

export interface RecordConsent {
  choices: readonly ConsentChoice[];
  source: ConsentSource;
  policyVersions?: readonly PolicyVersion[];
  note?: string | null;
}

const MINUTE = 60_000;
/** What an objection to marketing withdraws. */
const OBJECTION_PURPOSES = [ConsentPurpose.MARKETING_EMAIL, ConsentPurpose.MARKETING_SMS, ConsentPurpose.PERSONALIZATION] as const;
const HISTORY_LIMIT = 500;

/**
 * The consent ledger. Every change is a new row (the tables refuse UPDATE and DELETE); current consent is the latest
 * row per subject and purpose, read through an index on (subject, purpose, created_at, id). All statements run in the
 * request's EntityManager, so under its role, tenant and transaction.
 */
@Injectable()
export class ConsentService {
  constructor(
    private readonly em: EntityManager,
    private readonly contacts: ConsentContacts,
    private readonly policies: PolicyDocumentService,
    private readonly limits: RateLimitStore,
    private readonly config: AppConfig,
    private readonly suppressionKey: SuppressionKey,
  ) {}

  /** Whether the subject currently consents to the purpose. ESSENTIAL is always true; no record means no consent. */
  async hasConsent(subject: ConsentSubject, purpose: ConsentPurpose): Promise<boolean> {
    if (purpose === ConsentPurpose.ESSENTIAL) return true;
    const latest = await this.latest(subject, purpose);
    return latest?.status === ConsentStatus.GRANTED;
  }

  /** The latest event per purpose (purposes never recorded are absent). */
  async current(subject: ConsentSubject): Promise<Map<ConsentPurpose, LedgerEvent>> {
    const rows = await latestPerPurpose(this.em, subject);
    return new Map(
      rows.map((row) => {
        const event: LedgerEvent = 'contactId' in subject ? this.em.map(ContactConsentEvent, row) : this.em.map(ConsentEvent, row);
        return [event.purpose, event];
      }),
    );
  }

  /** The subject's events, newest first (at most the latest 500). */
  async history(subject: ConsentSubject): Promise<LedgerEvent[]> {
    const options = { orderBy: { createdAt: 'desc', id: 'desc' }, limit: HISTORY_LIMIT } as const;
    if ('contactId' in subject) return this.em.find(ContactConsentEvent, { contactId: subject.contactId }, options);
    return this.em.find(ConsentEvent, 'userId' in subject ? { userId: subject.userId } : { visitorId: subject.visitorId }, options);
  }

  /** Current consent per purpose, with the history behind it (the proof) unless only the state is wanted. */
  async overview(subject: ConsentSubject, options: { history: boolean } = { history: true }): Promise<SubjectConsentType> {
    const current = await this.current(subject);
    const history = options.history ? await this.history(subject) : [];
    const documents = await this.documentsOf([...current.values(), ...history]);
    return Object.assign(new SubjectConsentType(), {
      purposes: ConsentStateType.list(current, documents),
      history: history.map((event) => ConsentRecordType.from(event, documents)),
    });
  }

  /** NOT_FOUND unless the contact is the active tenant's. */
  async requireContact(ctx: TenantContext, contactId: string): Promise<void> {
    await this.contacts.require(ctx, contactId);
  }

  /** The signed-in user's own choices. */
  async recordForUser(ctx: RequestContext, userId: string, input: RecordConsent): Promise<void> {
    this.assertChoices(input.choices);
    const documents = await this.shownDocuments(input.choices, input.policyVersions);
    for (const choice of input.choices) {
      this.em.create(ConsentEvent, {
        userId,
        ...this.eventFields(ctx, choice, input, documents),
        recordedByUserId: ctx.actor.kind === 'user' ? ctx.actor.userId : undefined,
      });
    }
    await this.em.flush();
  }

  /**
   * A contact's choices, recorded by a member or an integration. Withdrawing a marketing purpose puts the contact's
   * address on the suppression list; granting one for a suppressed address is refused and records nothing.
   */
  async recordForContact(ctx: TenantContext, contactId: string, input: RecordConsent): Promise<void> {
    this.assertChoices(input.choices);
    const contact = await this.contacts.require(ctx, contactId);
    for (const choice of input.choices) {
      const channel = MARKETING_CHANNEL[choice.purpose];
      const identifier = channel ? this.identifierOf(channel, contact) : null;
      if (choice.status === ConsentStatus.GRANTED && channel && identifier && (await this.isSuppressed(channel, identifier))) {
        throw new AppError(
          ErrorCode.CONSENT_SUPPRESSED,
          `This contact's ${channel === SuppressionChannel.EMAIL ? 'email address' : 'phone number'} is on the suppression list: its owner withdrew or objected to ${choice.purpose} before, so it can not be granted again.`,
          { purpose: choice.purpose },
        );
      }
    }
    const documents = await this.shownDocuments(input.choices, input.policyVersions);
    for (const choice of input.choices) {
      this.em.create(ContactConsentEvent, {
        contactId,
        ...this.eventFields(ctx, choice, input, documents),
        recordedByUserId: ctx.actor.kind === 'user' ? ctx.actor.userId : undefined,
        recordedByApiKeyId: ctx.actor.kind === 'apiKey' ? ctx.actor.apiKeyId : undefined,
      });
      const channel = MARKETING_CHANNEL[choice.purpose];
      const identifier = channel ? this.identifierOf(channel, contact) : null;
      if (choice.status === ConsentStatus.WITHDRAWN && channel && identifier) {
        await this.suppress(channel, identifier, SuppressionReason.WITHDRAWAL);
      }
    }
    await this.em.flush();
  }

  /**
   * A data-subject objection (or erasure): withdraws every marketing purpose (email, SMS, personalised marketing) in
   * the subject's ledger and puts their addresses on the suppression list as an OBJECTION, so the person is never
   * marketed to again, even as a new contact. Suppression comes first so the withdrawals below find it there.
   * `addresses` are every one the person was known by (the privacy module passes rectified-away ones too).
   */
  async objectToMarketing(ctx: RequestContext, subject: { contactId: string } | { userId: string }, addresses: KnownAddresses): Promise<ConsentPurpose[]> {
    await this.suppressObjected(addresses);
    const current = await this.current(subject);
    // Only purposes not already withdrawn: a job step that is retried records no second withdrawal.
    const purposes = OBJECTION_PURPOSES.filter((purpose) => current.get(purpose)?.status !== ConsentStatus.WITHDRAWN);
    if (purposes.length === 0) return [];
    const input: RecordConsent = {
      choices: purposes.map((purpose) => ({ purpose, status: ConsentStatus.WITHDRAWN })),
      source: ConsentSource.DATA_SUBJECT_REQUEST,
    };
    // A contact's ledger is its tenant's: the job acting on it carries that tenant.
    if ('contactId' in subject) await this.recordForContact(asTenantContext(ctx), subject.contactId, input);
    else await this.recordForUser(ctx, subject.userId, input);
    return purposes;
  }

  /** Puts every email and phone number on the suppression list as an OBJECTION (an erased person's, or an objector's). */
  async suppressObjected(addresses: KnownAddresses): Promise<void> {
    for (const email of addresses.emails) await this.suppress(SuppressionChannel.EMAIL, email, SuppressionReason.OBJECTION);
    for (const phone of addresses.phones) await this.suppress(SuppressionChannel.SMS, phone, SuppressionReason.OBJECTION);
  }

  /** The cookie banner's choices for an anonymous visitor; limited per client IP, since anyone may call it. */
  async recordForVisitor(ctx: RequestContext, visitorId: string, input: Omit<RecordConsent, 'source'>): Promise<void> {
    const hit = await this.limits.hit(`consent:visitor:ip:${ctx.ip}`, MINUTE);
    if (hit.count > this.config.COOKIE_CONSENT_PER_IP_PER_MINUTE) {
      const retryAfterSeconds = Math.max(1, Math.ceil(hit.resetInMs / 1000));
      throw new AppError(ErrorCode.RATE_LIMITED, 'Too many cookie choices from this address; try again later.', { retryAfterSeconds });
    }
    this.assertChoices(input.choices);
    const documents = await this.shownDocuments(input.choices, input.policyVersions);
    for (const choice of input.choices) {
      this.em.create(ConsentEvent, {
        visitorId,
        ...this.eventFields(ctx, choice, { ...input, source: ConsentSource.COOKIE_BANNER }, documents),
      });
    }
    await this.em.flush();
  }

  /**
   * At sign-up or log-in: copies the visitor's current cookie choices into the user's ledger as new COOKIE_BANNER
   * events naming the visitor, where they are newer than the user's own latest choice for that purpose. The
   * visitor's events stay as they are: they are the original proof.
   */
  async linkVisitorToUser(ctx: RequestContext, visitorId: string, userId: string): Promise<number> {
    const visitor = await this.current({ visitorId });
    if (visitor.size === 0) return 0;
    const user = await this.current({ userId });
    let linked = 0;
    for (const [purpose, event] of visitor) {
      const own = user.get(purpose);
      if (own && own.createdAt >= event.createdAt) continue;
      this.em.create(ConsentEvent, {
        userId,
        purpose,
        status: event.status,
        source: ConsentSource.COOKIE_BANNER,
        policyDocument: event.policyDocument,
        ip: ctx.ip || undefined,
        userAgent: ctx.userAgent || undefined,
        recordedByUserId: userId,
        linkedVisitorId: visitorId,
      });
      linked += 1;
    }
    await this.em.flush();
    return linked;
  }

  /**
   * The marketing gate: a contact may get a marketing message on a channel only with current consent for its
   * purpose and an address that is not on the suppression list. Refuses with CONSENT_REQUIRED.
   */
  async assertMarketingAllowed(recipient: MarketingRecipient | null, purpose: ConsentPurpose.MARKETING_EMAIL | ConsentPurpose.MARKETING_SMS): Promise<void> {
    const refuse = (reason: string, message: string) => new AppError(ErrorCode.CONSENT_REQUIRED, message, { purpose, reason });
    if (!recipient) throw refuse('NO_CONTACT', `A marketing message needs a contact with current ${purpose} consent.`);
    const channel = MARKETING_CHANNEL[purpose] as SuppressionChannel;
    const identifier = this.identifierOf(channel, recipient);
    if (identifier && (await this.isSuppressed(channel, identifier))) {
      throw refuse(
        'SUPPRESSED',
        `The contact's ${channel === SuppressionChannel.EMAIL ? 'email address' : 'phone number'} is on the suppression list: it is never marketed to again.`,
      );
    }
    const latest = await this.latest({ contactId: recipient.contactId }, purpose);
    if (latest?.status !== ConsentStatus.GRANTED) {
      throw refuse(latest ? 'WITHDRAWN' : 'NO_CONSENT', latest ? `The contact withdrew ${purpose} consent.` : `The contact has not given ${purpose} consent.`);
    }
  }

  /**
   * Puts an email (EMAIL) or phone number (SMS) on the suppression list, by the hash of its normalised form. For
   * withdrawals here and objections from the privacy module; adding one twice keeps the first entry.
   */
  async suppress(channel: SuppressionChannel, identifier: string, reason: SuppressionReason = SuppressionReason.OBJECTION): Promise<void> {
    await insertSuppression(this.em, { channel, identifierHash: this.suppressionKey.hashOf(channel, identifier), reason });
  }

  async isSuppressed(channel: SuppressionChannel, identifier: string): Promise<boolean> {
    return (await this.em.count(SuppressionEntry, { channel, identifierHash: this.suppressionKey.hashOf(channel, identifier) })) > 0;
  }

  /** Policy documents by id, for showing the version each event refers to. */
  documentsOf(events: readonly LedgerEvent[]): Promise<Map<string, PolicyDocument>> {
    return this.policies.byIds(events.flatMap((e) => (e.policyDocument ? [e.policyDocument] : [])));
  }

  private async latest(subject: ConsentSubject, purpose: ConsentPurpose): Promise<LedgerEvent | null> {
    const options = { orderBy: { createdAt: 'desc', id: 'desc' } } as const;
    if ('contactId' in subject) return this.em.findOne(ContactConsentEvent, { contactId: subject.contactId, purpose }, options);
    const who = 'userId' in subject ? { userId: subject.userId } : { visitorId: subject.visitorId };
    return this.em.findOne(ConsentEvent, { ...who, purpose }, options);
  }

  private identifierOf(channel: SuppressionChannel, who: { email?: string | null; phone?: string | null }): string | null {
    const raw = channel === SuppressionChannel.EMAIL ? who.email : who.phone;
    return raw?.trim() ? raw : null;
  }

  private assertChoices(choices: readonly ConsentChoice[]): void {
    const problems: string[] = [];
    if (choices.some((c) => !PURPOSES[c.purpose].withdrawable)) {
      problems.push('ESSENTIAL is always on: it is not based on consent and can be neither granted nor withdrawn');
    }
    if (new Set(choices.map((c) => c.purpose)).size !== choices.length) problems.push('each purpose may appear only once');
    if (problems.length > 0) {
      throw badInput(`Invalid input. choices: ${problems.join('; ')}`, { fields: [{ field: 'choices', problems }] });
    }
  }

  /** The policy version shown for each choice: the one the caller names, or the version in effect now. */
  private async shownDocuments(choices: readonly ConsentChoice[], named: readonly PolicyVersion[] = []): Promise<Map<ConsentPurpose, PolicyDocument>> {
    const current = await this.policies.current();
    const byKind = new Map(current.map((d) => [d.kind, d]));
    for (const version of named) {
      try {
        byKind.set(version.kind, await this.policies.version(version.kind, version.version));
      } catch {
        const problem = `${version.kind} has no version ${version.version}`;
        throw badInput(`Invalid input. policyVersions: ${problem}`, { fields: [{ field: 'policyVersions', problems: [problem] }] });
      }
    }
    const shown = new Map<ConsentPurpose, PolicyDocument>();
    for (const choice of choices) {
      const document = byKind.get(PURPOSES[choice.purpose].policyKind);
      if (document) shown.set(choice.purpose, document);
    }
    return shown;
  }

  private eventFields(ctx: RequestContext, choice: ConsentChoice, input: RecordConsent, documents: Map<ConsentPurpose, PolicyDocument>) {
    return {
      purpose: choice.purpose,
      status: choice.status,
      source: input.source,
      policyDocument: documents.get(choice.purpose)?.id,
      ip: ctx.ip || undefined,
      userAgent: ctx.userAgent || undefined,
      note: input.note ?? undefined,
    };
  }
}
