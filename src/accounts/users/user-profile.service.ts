import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/core';
import { notFound } from '../../common/errors/app-errors.js';
import type { FieldChange } from '../../common/privacy/rectification.js';
import { User } from './user.entity.js';

/** Profile fields a user may have rectified. Email is not among them: changing a sign-in address needs its own proof. */
export const RECTIFIABLE_USER_FIELDS = ['fullName', 'phone'] as const;
export type RectifiableUserField = (typeof RECTIFIABLE_USER_FIELDS)[number];

/** What other modules may do with a user's profile. */
@Injectable()
export class UserProfiles {
  constructor(private readonly em: EntityManager) {}

  async exists(userId: string): Promise<boolean> {
    return (await this.em.count(User, { id: userId })) > 0;
  }

  /** The user's email and phone, for the suppression list when they object to marketing; null when the user is gone. */
  async addresses(userId: string): Promise<{ email: string; phone: string | null } | null> {
    const user = await this.em.findOne(User, { id: userId });
    return user ? { email: user.email, phone: user.phone ?? null } : null;
  }

  /** Applies a rectification in the current transaction; returns what changed (fields already right are left out). */
  async rectify(userId: string, changes: Partial<Record<RectifiableUserField, string | null>>): Promise<FieldChange[]> {
    const user = await this.em.findOne(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!user) throw notFound('User');
    const applied: FieldChange[] = [];
    if (changes.fullName !== undefined && changes.fullName !== null && changes.fullName !== user.fullName) {
      applied.push({ field: 'fullName', old: user.fullName, new: changes.fullName });
      user.fullName = changes.fullName;
    }
    if (changes.phone !== undefined && (changes.phone ?? null) !== (user.phone ?? null)) {
      applied.push({ field: 'phone', old: user.phone ?? null, new: changes.phone });
      user.phone = changes.phone ?? undefined;
    }
    await this.em.flush();
    return applied;
  }
}
