// What other modules may use of accounts (with AccountsModule): members and tenants as others see them, the
// account side of privacy requests, the signing secret, and the demo seed.
export { JwtSecret } from './auth/jwt-secret.js';
export { DEMO_OWNER_EMAIL, DemoSeedService, type DemoCredentials } from './demo-seed.service.js';
export { MemberDirectory, type MemberSummary } from './members/member-directory.service.js';
export { MemberRefType } from './members/member.types.js';
export { memberRef } from './members/member-ref-read-model.sql.js';
export { PrivacyDeadlineRule } from './tenants/privacy-deadline-rule.js';
export { TenantService } from './tenants/tenant.service.js';
export { AccountErasure, OwnershipResolution, type OwnershipHandover } from './users/account-erasure.sql.js';
export { RECTIFIABLE_USER_FIELDS, UserProfiles, type RectifiableUserField } from './users/user-profile.service.js';
