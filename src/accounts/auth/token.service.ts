import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { AppConfig } from '../../config/app-config.js';
import type { RequestContext } from '../../common/context/request-context.js';
import { generateSecret, hashSecret } from '../../common/security/secret-token.js';
import type { Tenant } from '../tenants/tenant.entity.js';
import type { User } from '../users/user.entity.js';
import { RefreshSession } from './refresh-session.entity.js';

export const REFRESH_TOKEN_PREFIX = 'pxr_';
export const JWT_ISSUER = 'promox-crm';
export const JWT_AUDIENCE = 'promox-crm-api';

/** What an access token says: the user, the session family (so log-out revokes it) and the active tenant. */
export interface AccessTokenClaims {
  sub: string;
  sid: string;
  tid: string | null;
}

export interface IssuedTokens {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

@Injectable()
export class TokenService {
  constructor(
    private readonly em: EntityManager,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  /** Starts a new session family (log-in, sign-up) or continues one (refresh, tenant switch). */
  async issue(ctx: RequestContext, user: User, tenant: Tenant | null, familyId: string = uuidv7()): Promise<IssuedTokens> {
    const refreshToken = generateSecret(REFRESH_TOKEN_PREFIX);
    const refreshTokenExpiresAt = new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_DAYS * 86_400_000);
    this.em.create(RefreshSession, {
      familyId,
      user,
      tenant: tenant ?? undefined,
      tokenHash: hashSecret(refreshToken),
      expiresAt: refreshTokenExpiresAt,
      ip: ctx.ip || undefined,
      userAgent: ctx.userAgent || undefined,
    });
    await this.em.flush();
    const claims: AccessTokenClaims = { sub: user.id, sid: familyId, tid: tenant?.id ?? null };
    const accessToken = await this.jwt.signAsync(claims, {
      expiresIn: this.config.ACCESS_TOKEN_TTL_SECONDS,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      algorithm: 'HS256',
    });
    return {
      accessToken,
      accessTokenExpiresAt: new Date(Date.now() + this.config.ACCESS_TOKEN_TTL_SECONDS * 1000),
      refreshToken,
      refreshTokenExpiresAt,
    };
  }

  /** Marks every live token of a family replaced: presenting one of them again counts as reuse. */
  async retireLiveTokens(familyId: string): Promise<void> {
    await this.em.nativeUpdate(RefreshSession, { familyId, replacedAt: null, revokedAt: null }, { replacedAt: new Date() });
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.em.nativeUpdate(RefreshSession, { familyId, revokedAt: null }, { revokedAt: new Date() });
  }
}
