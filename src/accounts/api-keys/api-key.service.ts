import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { USER_ONLY_PERMISSIONS } from '../../common/authorization/permission.js';
import type { TenantContext } from '../../common/context/request-context.js';
import { badInput, forbidden, notFound } from '../../common/errors/app-errors.js';
import { generateSecret, hashSecret } from '../../common/security/secret-token.js';
import { ApiKey } from './api-key.entity.js';
import { ApiKeyCredentialCache } from './api-key-credential.cache.js';
import type { CreateApiKeyInput } from './api-key.inputs.js';
import { ApiKeyCreated, ApiKeyType } from './api-key.types.js';

export const API_KEY_PREFIX = 'pxk_';
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

@Injectable()
export class ApiKeyService {
  constructor(
    private readonly em: EntityManager,
    private readonly credentialCache: ApiKeyCredentialCache,
  ) {}

  async create(ctx: TenantContext, input: CreateApiKeyInput): Promise<ApiKeyCreated> {
    const notHeld = input.scopes.filter((scope) => !ctx.permissions.has(scope));
    if (notHeld.length > 0) throw forbidden(`You cannot grant permissions you do not have: ${notHeld.join(', ')}.`);
    const userOnly = input.scopes.filter((scope) => USER_ONLY_PERMISSIONS.includes(scope));
    if (userOnly.length > 0) throw badInput(`API keys cannot carry ${userOnly.join(', ')}.`);
    if (input.expiresAt && input.expiresAt <= new Date()) throw badInput('expiresAt must be in the future.');

    const secret = generateSecret(API_KEY_PREFIX);
    const key = this.em.create(ApiKey, {
      name: input.name,
      displayPrefix: secret.slice(0, DISPLAY_PREFIX_LENGTH),
      secretHash: hashSecret(secret),
      scopes: input.scopes,
      createdByUserId: ctx.actor.kind === 'user' ? ctx.actor.userId : undefined,
      expiresAt: input.expiresAt,
    });
    await this.em.flush();
    return Object.assign(new ApiKeyCreated(), { apiKey: ApiKeyType.from(key), secret });
  }

  async list(ctx: TenantContext): Promise<ApiKeyType[]> {
    const keys = await this.em.find(ApiKey, { tenantId: ctx.tenantId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
    return keys.map((key) => ApiKeyType.from(key));
  }

  async revoke(ctx: TenantContext, id: string): Promise<ApiKeyType> {
    const key = await this.em.findOne(ApiKey, { id, tenantId: ctx.tenantId });
    if (!key) throw notFound('API key');
    key.revokedAt ??= new Date();
    await this.em.flush();
    this.credentialCache.forgetKey(key.id);
    return ApiKeyType.from(key);
  }
}
