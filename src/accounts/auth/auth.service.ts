import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { permissionsOfRole, Role } from '../../common/authorization/permission.js';
import type { RequestContext } from '../../common/context/request-context.js';
import { AppError, conflict, ErrorCode, forbidden, notFound, unauthenticated } from '../../common/errors/app-errors.js';
import { hashSecret } from '../../common/security/secret-token.js';
import { keepChangesOnFailure } from '../../database/request-transaction.plugin.js';
import { actingFor } from '../../database/tenant-session.js';
import { AuditLog, AuditResult } from '../../audit/index.js';
import { ConsentService, PolicyDocumentService } from '../../consent/index.js';
import { Membership } from '../members/membership.entity.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { TenantType } from '../tenants/tenant.types.js';
import { User } from '../users/user.entity.js';
import { UserProfileType } from '../users/user.types.js';
import type { LogInInput, NewAccountInput, SignUpInput } from './auth.inputs.js';

/** A new user's account: the validated fields of a sign-up or an accepted invitation, with the email to use. */
export type NewAccount = Pick<NewAccountInput, 'fullName' | 'password' | 'phone' | 'confirmAge16OrOlder'> & { email: string };

/** The account fields of `input` (a sign-up or an invitation's new account), with `email`. */
export function newAccount(input: Omit<NewAccount, 'email'>, email: string): NewAccount {
  return { fullName: input.fullName, password: input.password, phone: input.phone, confirmAge16OrOlder: input.confirmAge16OrOlder, email };
}
import { AuthPayload, MeType } from './auth.types.js';
import { sessionUserOfToken } from './credential-path.sql.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { PasswordService } from './password.service.js';
import { RefreshSession } from './refresh-session.entity.js';
import { TokenService } from './token.service.js';

const INVALID_CREDENTIALS = 'Email or password is incorrect.';

@Injectable()
export class AuthService {
  constructor(
    private readonly em: EntityManager,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditLog,
    private readonly consent: ConsentService,
    private readonly policies: PolicyDocumentService,
  ) {}

  /** Creates the distributor company and its first owner in one transaction, and signs the owner in. */
  async signUp(ctx: RequestContext, input: SignUpInput): Promise<AuthPayload> {
    const user = await this.createUser(ctx, newAccount(input, input.email));
    const tenant = this.em.create(Tenant, { name: input.companyName, phone: undefined });
    // The new owner's membership is the new tenant's row, and their session theirs.
    const tokens = await actingFor(this.em, { userId: user.id, tenantId: tenant.id }, async () => {
      this.em.create(Membership, { tenant, user, role: Role.OWNER });
      await this.em.flush();
      return this.tokens.issue(ctx, user, tenant);
    });
    if (input.visitorId) await this.consent.linkVisitorToUser(ctx, input.visitorId, user.id);
    const payload = this.payload(user, tenant, tokens);
    await this.audit.record(ctx, [{ action: 'auth.signUp', targetType: 'Tenant', targetId: tenant.id, tenantId: tenant.id, actorUserId: user.id }], {
      coversOperation: true,
    });
    return payload;
  }

  /**
   * Creates a user after checking age confirmation, password strength and that the email is free. Creating the
   * account accepts the policy versions in effect (the sign-up form shows them); the acceptance is recorded.
   */
  async createUser(ctx: RequestContext, input: NewAccount): Promise<User> {
    if (!input.confirmAge16OrOlder) {
      throw new AppError(ErrorCode.AGE_CONFIRMATION_REQUIRED, 'PromoX is not for people under 16: confirm that you are 16 or older to create an account.');
    }
    this.passwords.assertStrong(input.password, input);
    if (await this.em.count(User, { email: input.email })) {
      throw conflict('An account with this email already exists; log in instead.');
    }
    const user = this.em.create(User, {
      fullName: input.fullName,
      email: input.email,
      phone: input.phone,
      passwordHash: await this.passwords.hash(input.password),
      ageConfirmedAt: new Date(),
    });
    await this.em.flush();
    await this.policies.acceptCurrent(ctx, user.id);
    return user;
  }

  /**
   * Every attempt leaves an audit entry: a success in the trail of the tenant signed in to, a failure in the
   * platform's (kept although the call fails, like the failure count).
   */
  async logIn(ctx: RequestContext, input: LogInInput): Promise<AuthPayload> {
    try {
      await this.throttle.assertAllowed(input.email, ctx.ip);
    } catch (error) {
      await this.recordSignInFailure(ctx, null, error);
      throw error;
    }
    const user = await this.em.findOne(User, { email: input.email }, { populate: ['passwordHash'] });
    const valid = await this.passwords.verify(user?.passwordHash ?? null, input.password);
    if (!user || !valid) {
      await this.throttle.recordFailure(input.email, ctx.ip);
      const error = new AppError(ErrorCode.INVALID_CREDENTIALS, INVALID_CREDENTIALS);
      await this.recordSignInFailure(ctx, user?.id ?? null, error);
      throw error;
    }
    await this.throttle.recordSuccess(input.email);
    // The password is verified: from here on the request reads the user's own memberships and writes their session.
    const { tenant, tokens } = await actingFor(this.em, { userId: user.id }, async () => {
      const chosen = (await this.chooseMembership(user.id, input.tenantId))?.tenant ?? null;
      user.lastLogInAt = new Date();
      await this.em.flush();
      return { tenant: chosen, tokens: await this.tokens.issue(ctx, user, chosen) };
    });
    if (input.visitorId) await this.consent.linkVisitorToUser(ctx, input.visitorId, user.id);
    const payload = this.payload(user, tenant, tokens);
    await this.audit.record(ctx, [{ action: 'auth.signIn', targetType: 'User', targetId: user.id, tenantId: tenant?.id ?? null, actorUserId: user.id }], {
      coversOperation: true,
    });
    return payload;
  }

  private async recordSignInFailure(ctx: RequestContext, userId: string | null, error: unknown): Promise<void> {
    const code = error instanceof AppError ? error.code : ErrorCode.INTERNAL_SERVER_ERROR;
    await this.audit.record(ctx, [
      { action: 'auth.signIn', result: AuditResult.FAILURE, errorCode: code, targetType: 'User', targetId: userId, tenantId: null },
    ]);
    keepChangesOnFailure();
  }

  /**
   * Rotates a refresh token. A token that was already replaced is being reused, which means it leaked: the whole
   * family is revoked (and that revocation is kept although the call fails).
   */
  async refreshSession(ctx: RequestContext, refreshToken: string): Promise<AuthPayload> {
    const tokenHash = hashSecret(refreshToken);
    // Whose session the token names is known only to the credential path; the rest acts for that user.
    const userId = await sessionUserOfToken(this.em, tokenHash);
    if (!userId) throw new AppError(ErrorCode.INVALID_TOKEN, 'The refresh token is invalid or expired; log in again.');
    return actingFor(this.em, { userId }, () => this.rotate(ctx, tokenHash));
  }

  private async rotate(ctx: RequestContext, tokenHash: string): Promise<AuthPayload> {
    const session = await this.em.findOne(RefreshSession, { tokenHash }, { populate: ['user', 'tenant'] });
    if (!session || session.revokedAt || session.expiresAt <= new Date()) {
      throw new AppError(ErrorCode.INVALID_TOKEN, 'The refresh token is invalid or expired; log in again.');
    }
    if (session.replacedAt) {
      await this.tokens.revokeFamily(session.familyId);
      await this.audit.record(ctx, [
        {
          action: 'auth.refreshTokenReuse',
          result: AuditResult.FAILURE,
          errorCode: ErrorCode.INVALID_TOKEN,
          targetType: 'User',
          targetId: session.user.id,
          tenantId: session.tenant?.id ?? null,
          actorUserId: session.user.id,
        },
      ]);
      keepChangesOnFailure();
      throw new AppError(ErrorCode.INVALID_TOKEN, 'The refresh token was already used; the session has been ended. Log in again.');
    }
    session.replacedAt = new Date();
    // The tenant may have removed the user since; fall back to another membership or none.
    const membership = await this.chooseMembership(session.user.id, session.tenant?.id);
    const tenant = membership?.tenant ?? null;
    await this.em.flush();
    const payload = this.payload(session.user, tenant, await this.tokens.issue(ctx, session.user, tenant, session.familyId));
    await this.audit.record(
      ctx,
      [{ action: 'auth.refresh', targetType: 'User', targetId: session.user.id, tenantId: tenant?.id ?? null, actorUserId: session.user.id }],
      { coversOperation: true },
    );
    return payload;
  }

  async logOut(ctx: RequestContext): Promise<boolean> {
    if (ctx.actor.kind !== 'user') throw unauthenticated();
    await this.tokens.revokeFamily(ctx.actor.sessionId);
    return true;
  }

  async switchTenant(ctx: RequestContext, tenantId: string): Promise<AuthPayload> {
    if (ctx.actor.kind !== 'user') throw unauthenticated();
    if (ctx.actor.platformRole !== undefined) throw forbidden('PromoX staff act on the platform, not in a tenant.');
    const membership = await this.em.findOne(Membership, { user: ctx.actor.userId, tenant: tenantId }, { populate: ['tenant', 'user'] });
    if (!membership) throw notFound('Tenant');
    await this.tokens.retireLiveTokens(ctx.actor.sessionId);
    return this.payload(membership.user, membership.tenant, await this.tokens.issue(ctx, membership.user, membership.tenant, ctx.actor.sessionId));
  }

  /** Tokens for a user who just joined a tenant (accepting an invitation). */
  async signInTo(ctx: RequestContext, user: User, tenant: Tenant): Promise<AuthPayload> {
    if (ctx.actor.kind === 'user') await this.tokens.retireLiveTokens(ctx.actor.sessionId);
    const familyId = ctx.actor.kind === 'user' ? ctx.actor.sessionId : undefined;
    return this.payload(user, tenant, await this.tokens.issue(ctx, user, tenant, familyId));
  }

  async me(ctx: RequestContext): Promise<MeType> {
    if (ctx.actor.kind !== 'user') throw unauthenticated();
    const user = await this.em.findOneOrFail(User, ctx.actor.userId);
    // Staff act on the platform: their database role does not reach memberships, and they have no tenant.
    const staff = ctx.actor.platformRole !== undefined;
    const memberships = staff ? [] : await this.em.find(Membership, { user: user.id }, { populate: ['tenant'], orderBy: { createdAt: 'asc' } });
    const active = memberships.find((m) => m.tenant.id === ctx.tenantId) ?? null;
    return Object.assign(new MeType(), {
      user: UserProfileType.from(user),
      activeTenant: active ? TenantType.from(active.tenant) : null,
      role: active?.role ?? null,
      permissions: active ? [...permissionsOfRole(active.role)] : [],
      memberships: memberships.map((m) => ({
        id: m.id,
        tenantId: m.tenant.id,
        tenantName: m.tenant.name,
        role: m.role,
        joinedAt: m.createdAt,
      })),
      platformRole: user.platformRole ?? null,
    });
  }

  private async chooseMembership(userId: string, preferredTenantId?: string | null): Promise<Membership | null> {
    const memberships = await this.em.find(Membership, { user: userId }, { populate: ['tenant'], orderBy: { createdAt: 'asc' } });
    return memberships.find((m) => m.tenant.id === preferredTenantId) ?? memberships.at(0) ?? null;
  }

  private payload(user: User, tenant: Tenant | null, tokens: Awaited<ReturnType<TokenService['issue']>>): AuthPayload {
    return Object.assign(new AuthPayload(), {
      ...tokens,
      user: UserProfileType.from(user),
      activeTenant: tenant ? TenantType.from(tenant) : null,
    });
  }
}
