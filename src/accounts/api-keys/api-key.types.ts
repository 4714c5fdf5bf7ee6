import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Permission } from '../../common/authorization/permission.js';
import type { ApiKey } from './api-key.entity.js';

@ObjectType('ApiKey', { description: 'A partner integration credential. The secret itself is shown only once, at creation.' })
export class ApiKeyType {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field({ description: 'The first characters of the key, to tell keys apart.' }) displayPrefix: string;
  @Field(() => [Permission]) scopes: Permission[];
  @Field(() => ID, { nullable: true }) createdByUserId: string | null;
  @Field() createdAt: Date;
  @Field(() => Date, { nullable: true }) expiresAt: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt: Date | null;
  @Field(() => Date, { nullable: true, description: 'To the minute.' }) lastUsedAt: Date | null;
  @Field({ description: 'Neither revoked nor expired.' }) active: boolean;

  static from(key: ApiKey): ApiKeyType {
    return Object.assign(new ApiKeyType(), {
      id: key.id,
      name: key.name,
      displayPrefix: key.displayPrefix,
      scopes: key.scopes,
      createdByUserId: key.createdByUserId ?? null,
      createdAt: key.createdAt,
      expiresAt: key.expiresAt ?? null,
      revokedAt: key.revokedAt ?? null,
      lastUsedAt: key.lastUsedAt ?? null,
      active: !key.revokedAt && (!key.expiresAt || key.expiresAt > new Date()),
    });
  }
}

@ObjectType()
export class ApiKeyCreated {
  @Field(() => ApiKeyType) apiKey: ApiKeyType;
  @Field({ description: 'The key itself (`pxk_…`). Shown only now: store it safely. Send it as `Authorization: Bearer <key>`.' })
  secret: string;
}
