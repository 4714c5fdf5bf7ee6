import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AppConfig } from '../config/app-config.js';
import { CredentialVerifier } from '../common/context/credential-verifier.js';
import { ConsentModule } from '../consent/consent.module.js';
import { ApiKey } from './api-keys/api-key.entity.js';
import { ApiKeyCredentialCache } from './api-keys/api-key-credential.cache.js';
import { ApiKeyResolver } from './api-keys/api-key.resolver.js';
import { ApiKeyService } from './api-keys/api-key.service.js';
import { AuthResolver } from './auth/auth.resolver.js';
import { AuthService } from './auth/auth.service.js';
import { PassportCredentialVerifier } from './auth/credential-verifier.service.js';
import { JwtSecret } from './auth/jwt-secret.js';
import { MePolicyResolver } from './auth/me-policy.resolver.js';
import { LoginThrottleService } from './auth/login-throttle.service.js';
import { PasswordService } from './auth/password.service.js';
import { RefreshSession } from './auth/refresh-session.entity.js';
import { TokenService } from './auth/token.service.js';
import { DemoSeedService } from './demo-seed.service.js';
import { Invitation } from './members/invitation.entity.js';
import { MembersResolver } from './members/members.resolver.js';
import { MembersService } from './members/members.service.js';
import { MemberDirectory } from './members/member-directory.service.js';
import { Membership } from './members/membership.entity.js';
import { Tenant } from './tenants/tenant.entity.js';
import { TenantClosureGate } from './tenants/tenant-closure.gate.js';
import { TenantResolver } from './tenants/tenant.resolver.js';
import { TenantService } from './tenants/tenant.service.js';
import { User } from './users/user.entity.js';
import { UserProfiles } from './users/user-profile.service.js';
import { AccountErasure } from './users/account-erasure.sql.js';
import { AccountsPersonalData } from './accounts.personal-data.js';
import { ReadModels } from '../database/read-model/read-models.js';
import { MEMBER_REF_READ_MODEL } from './members/member-ref-read-model.sql.js';

/** Tenants, users, memberships and roles, sessions, API keys, and the credential strategies. */
@Module({
  imports: [
    MikroOrmModule.forFeature([Tenant, User, Membership, Invitation, RefreshSession, ApiKey]),
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ secret: JwtSecret.resolve(config).value }),
    }),
    ConsentModule,
  ],
  providers: [
    { provide: JwtSecret, inject: [AppConfig], useFactory: JwtSecret.resolve },
    { provide: CredentialVerifier, useClass: PassportCredentialVerifier },
    PasswordService,
    TokenService,
    LoginThrottleService,
    AuthService,
    AuthResolver,
    MePolicyResolver,
    MembersService,
    MembersResolver,
    MemberDirectory,
    ApiKeyService,
    ApiKeyCredentialCache,
    ApiKeyResolver,
    TenantService,
    TenantResolver,
    TenantClosureGate,
    DemoSeedService,
    UserProfiles,
    AccountErasure,
    AccountsPersonalData,
  ],
  exports: [AccountErasure, CredentialVerifier, DemoSeedService, JwtSecret, MemberDirectory, TenantService, UserProfiles],
})
export class AccountsModule {
  constructor(models: ReadModels) {
    models.registerObject(MEMBER_REF_READ_MODEL);
  }
}
