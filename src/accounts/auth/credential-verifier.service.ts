import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Request } from 'express';
import { Passport } from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { Permission, permissionsOfRole } from '../../common/authorization/permission.js';
import { CredentialVerifier, type VerifiedCredential } from '../../common/context/credential-verifier.js';
import { AppError, ErrorCode } from '../../common/errors/app-errors.js';
import { hashSecret } from '../../common/security/secret-token.js';
import { AUTHENTICATION_FIND_OPTIONS, authenticationFork } from '../../database/tenant-session.js';
import { API_KEY_PREFIX } from '../api-keys/api-key.service.js';
import { ApiKey } from '../api-keys/api-key.entity.js';
import { ApiKeyCredentialCache } from '../api-keys/api-key-credential.cache.js';
import { JWT_AUDIENCE, JWT_ISSUER, type AccessTokenClaims } from './token.service.js';
import { JwtSecret } from './jwt-secret.js';
import { sessionStanding } from './credential-verifier.sql.js';

/** Last-used times are kept to the minute, so a busy key does not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

type Done = (error: unknown, credential?: VerifiedCredential | false) => void;

/**
 * Passport strategies for the two credentials: user access tokens (JWT) and partner API keys (`pxk_…`), both sent as
 * `Authorization: Bearer`. This is the narrow privileged path of DESIGN.md: it reads credentials before any tenant is
 * known, through the crm_auth role, and is used for nothing else.
 */
@Injectable()
export class PassportCredentialVerifier extends CredentialVerifier {
  private readonly passport = new Passport();

  constructor(
    private readonly orm: MikroORM,
    private readonly apiKeyCache: ApiKeyCredentialCache,
    secret: JwtSecret,
  ) {
    super();
    this.passport.use(
      'api-key',
      new BearerStrategy((token: string, done: Done) => {
        if (!token.startsWith(API_KEY_PREFIX)) {
          done(null, false);
          return;
        }
        this.verifyApiKey(token).then((credential) => {
          done(null, credential);
        }, done);
      }),
    );
    this.passport.use(
      'jwt',
      new JwtStrategy(
        {
          jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
          secretOrKey: secret.value,
          issuer: JWT_ISSUER,
          audience: JWT_AUDIENCE,
          algorithms: ['HS256'],
          ignoreExpiration: false,
        },
        (claims: AccessTokenClaims, done: Done) => {
          this.verifyUserSession(claims).then((credential) => {
            done(null, credential);
          }, done);
        },
      ),
    );
  }

  async verify(request: Request): Promise<VerifiedCredential | null> {
    if (!request.headers.authorization) return null;
    return new Promise<VerifiedCredential | null>((resolve, reject) => {
      // Passport's middleware is untyped: called with the request, the response and `next`.
      const authenticate = this.passport.authenticate(['api-key', 'jwt'], { session: false }, (error: unknown, credential: VerifiedCredential | false) => {
        if (error) {
          reject(error instanceof Error ? error : new Error('Authentication failed.', { cause: error }));
          return;
        }
        if (!credential) {
          reject(new AppError(ErrorCode.UNAUTHENTICATED, 'The credential is invalid, expired or revoked.'));
          return;
        }
        resolve(credential);
      }) as (req: Request, res: Request['res'], next: (error: unknown) => void) => void;
      authenticate(request, request.res, reject);
    });
  }

  private async verifyApiKey(secret: string): Promise<VerifiedCredential | false> {
    const secretHash = hashSecret(secret);
    const cached = this.apiKeyCache.get(secretHash);
    if (cached) return cached;
    const em = authenticationFork(this.orm);
    const key = await em.findOne(ApiKey, { secretHash }, AUTHENTICATION_FIND_OPTIONS);
    const now = Date.now();
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= now)) return false;
    if (!key.lastUsedAt || now - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await em.nativeUpdate(ApiKey, { id: key.id }, { lastUsedAt: new Date(now) }, AUTHENTICATION_FIND_OPTIONS);
    }
    const credential: VerifiedCredential = {
      actor: { kind: 'apiKey', apiKeyId: key.id, createdByUserId: key.createdByUserId ?? null },
      tenantId: key.tenantId,
      permissions: new Set<Permission>(key.scopes),
    };
    this.apiKeyCache.remember(secretHash, key.id, credential, key.expiresAt);
    return credential;
  }

  /** The token's session must still be alive and its user still a member of its tenant, checked in one statement. */
  private async verifyUserSession(claims: AccessTokenClaims): Promise<VerifiedCredential | false> {
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string') return false;
    const em = authenticationFork(this.orm);
    const row = await sessionStanding(em, { userId: claims.sub, sessionId: claims.sid, tenantId: claims.tid ?? null });
    if (!row?.alive) return false;
    if (row.platform_role) {
      // Staff act on the platform, never inside a tenant: their requests run under the staff role's own policies.
      return {
        actor: { kind: 'user', userId: claims.sub, sessionId: claims.sid, platformRole: row.platform_role },
        tenantId: null,
        permissions: new Set(),
      };
    }
    const role = claims.tid ? row.role : null;
    return {
      actor: { kind: 'user', userId: claims.sub, sessionId: claims.sid },
      tenantId: role ? claims.tid : null,
      permissions: role ? permissionsOfRole(role) : new Set(),
    };
  }
}
