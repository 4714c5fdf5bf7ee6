import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import { Role } from '../common/authorization/permission.js';
import { systemContext } from '../common/context/request-context.js';
import { PolicyDocumentService } from '../consent/index.js';
import { actingFor, tenantScopedFork } from '../database/tenant-session.js';
import { PasswordService } from './auth/password.service.js';
import { Membership } from './members/membership.entity.js';
import { Tenant } from './tenants/tenant.entity.js';
import { User } from './users/user.entity.js';

export const DEMO_OWNER_EMAIL = 'owner@demo.promox.test';

export interface DemoCredentials {
  email: string;
  password: string;
  tenantName: string;
}

/** Seeds a demo distributor and its owner on an empty database; returns the credentials only when it created them. */
@Injectable()
export class DemoSeedService {
  constructor(
    private readonly orm: MikroORM,
    private readonly passwords: PasswordService,
    private readonly policies: PolicyDocumentService,
  ) {}

  async seedIfEmpty(): Promise<DemoCredentials | null> {
    const em = tenantScopedFork(this.orm, null);
    return em.transactional(async (tx) => {
      if ((await tx.count(User, {})) > 0) return null;
      const password = `Demo-${randomBytes(9).toString('base64url')}`;
      const tenant = tx.create(Tenant, {
        name: 'Demo Promotional Products Co.',
        phone: '+1 555 0100',
        billingEmail: 'billing@demo.promox.test',
        address: { line1: '1 Market Street', city: 'Springfield', region: 'IL', postalCode: '62701', country: 'US' },
      });
      const user = tx.create(User, {
        fullName: 'Demo Owner',
        email: DEMO_OWNER_EMAIL,
        passwordHash: await this.passwords.hash(password),
        ageConfirmedAt: new Date(),
      });
      await tx.flush();
      // The membership is the new tenant's row.
      await actingFor(tx, { tenantId: tenant.id }, async () => {
        tx.create(Membership, { tenant, user, role: Role.OWNER });
        await tx.flush();
      });
      // The demo owner starts with the current policies accepted, as a signed-up owner does.
      await this.policies.acceptCurrent(systemContext('demo-seed', null, new Set()), user.id, tx);
      return { email: DEMO_OWNER_EMAIL, password, tenantName: tenant.name };
    });
  }
}
