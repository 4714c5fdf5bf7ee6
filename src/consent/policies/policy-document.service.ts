import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { advisoryXactLock } from '../../database/advisory-lock.js';
import { PolicyAcceptanceGate } from '../../common/authorization/policy-acceptance.js';
import type { RequestContext } from '../../common/context/request-context.js';
import { AppError, badInput, ErrorCode, notFound, unauthenticated } from '../../common/errors/app-errors.js';
import { PolicyKind } from '../purposes/consent-purpose.js';
import { PolicyAcceptance } from './policy-acceptance.entity.js';
import { PolicyDocument } from './policy-document.entity.js';
import type { PublishPolicyInput } from './policy-document.inputs.js';
import { PolicyAcceptanceType } from './policy-document.types.js';
import { currentDocumentRows, insertAcceptance, pendingDocumentRows } from './policy-document.sql.js';

/** A new version may take effect now, give or take clock skew between the admin's machine and ours. */
const BACKDATING_TOLERANCE_MS = 60_000;

export function contentHashOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Policy documents and their acceptance. The current version of a kind is the one with the latest effective date
 * that has passed; a user must have accepted it (or a later version) before changing anything.
 */
@Injectable()
export class PolicyDocumentService extends PolicyAcceptanceGate {
  private readonly pendingByRequest = new WeakMap<RequestContext, Promise<PolicyDocument[]>>();

  constructor(private readonly em: EntityManager) {
    super();
  }

  /** The version in effect now, per kind. */
  async current(em: EntityManager = this.em): Promise<PolicyDocument[]> {
    return this.mapped(await currentDocumentRows(em));
  }

  /** The versions in effect now and those published to take effect later, per kind, oldest first. */
  async published(kind?: PolicyKind): Promise<PolicyDocument[]> {
    const current = await this.current();
    const upcoming = await this.em.find(PolicyDocument, { effectiveAt: { $gt: new Date() }, ...(kind ? { kind } : {}) });
    return [...current.filter((d) => !kind || d.kind === kind), ...upcoming].sort((a, b) => a.kind.localeCompare(b.kind) || a.version - b.version);
  }

  async version(kind: PolicyKind, version: number): Promise<PolicyDocument> {
    const document = await this.em.findOne(PolicyDocument, { kind, version });
    if (!document) throw notFound('Policy document');
    return document;
  }

  /**
   * Current versions the user has not accepted (accepting a later, not yet effective version counts too). One
   * statement on two small indexed tables: cheap enough to run before every mutation.
   */
  async pendingFor(userId: string): Promise<PolicyDocument[]> {
    return this.mapped(await pendingDocumentRows(this.em, userId));
  }

  override async assertAccepted(ctx: RequestContext): Promise<void> {
    if (ctx.actor.kind !== 'user') return;
    const pending = await this.pendingFor(ctx.actor.userId);
    if (pending.length === 0) return;
    throw new AppError(
      ErrorCode.POLICY_ACCEPTANCE_REQUIRED,
      `Accept the current ${pending.map((d) => `${d.kind} (version ${d.version})`).join(', ')} first: see me.policiesToAccept.`,
      { documents: pending.map((d) => ({ id: d.id, kind: d.kind, version: d.version })) },
    );
  }

  /** Records the user's acceptance of these versions; accepting one again keeps the first acceptance. */
  async accept(ctx: RequestContext, documentIds: string[]): Promise<PolicyAcceptance[]> {
    if (ctx.actor.kind !== 'user') throw unauthenticated();
    const documents = await this.em.find(PolicyDocument, { id: { $in: documentIds } });
    if (documents.length !== new Set(documentIds).size) throw notFound('Policy document');
    return this.recordAcceptance(ctx, ctx.actor.userId, documents);
  }

  /** A new account agrees to the versions in effect when it is created (the sign-up form shows them). */
  async acceptCurrent(ctx: RequestContext, userId: string, em: EntityManager = this.em): Promise<void> {
    await this.recordAcceptance(ctx, userId, await this.current(em), em);
  }

  async acceptancesOf(ctx: RequestContext): Promise<PolicyAcceptance[]> {
    if (ctx.actor.kind !== 'user') throw unauthenticated();
    return this.em.find(PolicyAcceptance, { userId: ctx.actor.userId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  async acceptanceTypes(acceptances: PolicyAcceptance[]): Promise<PolicyAcceptanceType[]> {
    const documents = await this.byIds(acceptances.map((a) => a.policyDocument));
    return acceptances.map((a) => PolicyAcceptanceType.from(a, documents.get(a.policyDocument) as PolicyDocument));
  }

  /**
   * What `me` shows. Staff act for PromoX and are not asked to accept (their database role does not reach these
   * tables); the result is remembered for the request, since both `me` fields need it.
   */
  pendingForContext(ctx: RequestContext): Promise<PolicyDocument[]> {
    if (ctx.actor.kind !== 'user' || ctx.actor.platformRole !== undefined) return Promise.resolve([]);
    let pending = this.pendingByRequest.get(ctx);
    if (!pending) {
      pending = this.pendingFor(ctx.actor.userId);
      this.pendingByRequest.set(ctx, pending);
    }
    return pending;
  }

  async byIds(ids: string[]): Promise<Map<string, PolicyDocument>> {
    const unique = [...new Set(ids)];
    const documents = unique.length ? await this.em.find(PolicyDocument, { id: { $in: unique } }) : [];
    return new Map(documents.map((d) => [d.id, d]));
  }

  /**
   * Publishes the next version of a kind. Its effective date must follow the latest version's, and not lie in the
   * past: acceptance can not be made stale retroactively.
   */
  async publish(ctx: RequestContext, input: PublishPolicyInput): Promise<PolicyDocument> {
    const effectiveAt = input.effectiveAt ?? new Date();
    if (effectiveAt.getTime() < Date.now() - BACKDATING_TOLERANCE_MS) {
      throw badInput('Invalid input. effectiveAt: effectiveAt must not be in the past', {
        fields: [{ field: 'effectiveAt', problems: ['effectiveAt must not be in the past'] }],
      });
    }
    // Serialises publishers of the same kind, so that two cannot take the same version number.
    await advisoryXactLock(this.em, `policy_document:${input.kind}`);
    const latest = await this.em.findOne(PolicyDocument, { kind: input.kind }, { orderBy: { version: 'desc' } });
    if (latest && effectiveAt <= latest.effectiveAt) {
      const problem = `effectiveAt must be after version ${latest.version}'s (${latest.effectiveAt.toISOString()})`;
      throw badInput(`Invalid input. effectiveAt: ${problem}`, { fields: [{ field: 'effectiveAt', problems: [problem] }] });
    }
    const document = this.em.create(PolicyDocument, {
      kind: input.kind,
      version: (latest?.version ?? 0) + 1,
      effectiveAt,
      text: input.text,
      contentHash: contentHashOf(input.text),
      publishedByUserId: ctx.actor.kind === 'user' ? ctx.actor.userId : undefined,
    });
    await this.em.flush();
    return document;
  }

  private async recordAcceptance(ctx: RequestContext, userId: string, documents: PolicyDocument[], em: EntityManager = this.em): Promise<PolicyAcceptance[]> {
    for (const document of documents) {
      await insertAcceptance(em, { userId, documentId: document.id, ip: ctx.ip || null, userAgent: ctx.userAgent || null });
    }
    return em.find(
      PolicyAcceptance,
      { userId, policyDocument: { $in: documents.map((d) => d.id) } },
      { orderBy: { createdAt: 'desc', id: 'desc' }, refresh: true },
    );
  }

  private mapped(rows: Record<string, unknown>[]): PolicyDocument[] {
    return rows.map((row) => this.em.map(PolicyDocument, row));
  }
}
