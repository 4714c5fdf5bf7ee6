import { createHash, randomBytes } from 'node:crypto';

/** The hash before the first entry of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an entry the chain covers directly. */
export interface SealedFields {
  id: string;
  tenantId: string | null;
  chainKey: string;
  chainSeq: string;
  occurredAt: Date;
  actorType: string;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  actorName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  result: string;
  errorCode: string | null;
  requestId: string;
}

/** Personal fields: the chain covers them only through a salted digest, so they can be redacted later. */
export interface PersonalFields {
  ip: string | null;
  userAgent: string | null;
  browser: string | null;
  os: string | null;
  deviceType: string | null;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export const newPersonalSalt = () => randomBytes(16).toString('hex');

export function personalDigest(salt: string, fields: PersonalFields): string {
  return sha256(JSON.stringify(['personal-v1', salt, fields.ip, fields.userAgent, fields.browser, fields.os, fields.deviceType]));
}

/** An entry's hash: its sealed fields, its personal digest and the previous entry's hash, in a fixed order. */
export function entryHash(fields: SealedFields, digest: string, prevHash: string): string {
  return sha256(
    JSON.stringify([
      'entry-v1',
      prevHash,
      fields.id,
      fields.tenantId,
      fields.chainKey,
      fields.chainSeq,
      fields.occurredAt.toISOString(),
      fields.actorType,
      fields.actorUserId,
      fields.actorApiKeyId,
      fields.actorName,
      fields.action,
      fields.targetType,
      fields.targetId,
      fields.result,
      fields.errorCode,
      fields.requestId,
      digest,
    ]),
  );
}
