import { Injectable } from '@nestjs/common';
import {
  DeclaresPersonalData,
  MEMBER_ID_KEPT,
  PersonalDataTreatment as T,
  type PersonalDataDeclaration,
  type PersonalDataSource,
} from '../common/privacy/personal-data.js';

/** The account data a user gives us: profile, memberships, sessions, invitations. */
@Injectable()
@DeclaresPersonalData()
export class AccountsPersonalData implements PersonalDataSource {
  personalData(): PersonalDataDeclaration {
    return {
      module: 'accounts',
      tables: [
        {
          table: 'membership',
          links: [{ subject: 'user', column: 'user_id' }],
          columns: [{ column: 'role', treatment: T.EXPORT }],
          onErasure: 'DELETE_ROW',
        },
        {
          table: 'refresh_session',
          links: [{ subject: 'user', column: 'user_id' }],
          columns: [
            { column: 'ip', treatment: T.ERASE },
            { column: 'user_agent', treatment: T.ERASE },
          ],
          onErasure: 'DELETE_ROW',
        },
        {
          table: 'invitation',
          links: [
            { subject: 'user', column: 'email', matches: 'email' },
            { subject: 'user', column: 'invited_by_id', onErasure: 'KEEP_ROW' },
          ],
          columns: [{ column: 'email', treatment: T.ERASE }],
          onErasure: 'DELETE_ROW',
          reason: `Invitations to the user's address go; those the user sent are the tenant's (someone else's pending place). ${MEMBER_ID_KEPT}`,
        },
        {
          table: 'api_key',
          links: [{ subject: 'user', column: 'created_by_user_id' }],
          columns: [],
          onErasure: 'KEEP_ROW',
          reason: `The key belongs to the tenant, not to the member who created it. ${MEMBER_ID_KEPT}`,
        },
        // Last: erasure pseudonymises the address, and the invitations to it are the user's only while it is theirs.
        {
          table: 'user',
          links: [{ subject: 'user', column: 'id' }],
          columns: [
            { column: 'full_name', treatment: T.PSEUDONYMISE, identifies: 'name' },
            { column: 'email', treatment: T.PSEUDONYMISE, identifies: 'email' },
            { column: 'phone', treatment: T.ERASE, identifies: 'phone' },
            { column: 'password_hash', treatment: T.KEEP, reason: 'A secret, never exported; replaced on erasure so the account can not sign in.' },
            { column: 'age_confirmed_at', treatment: T.EXPORT },
            { column: 'last_log_in_at', treatment: T.EXPORT },
          ],
          onErasure: 'PSEUDONYMISE_ROW',
          reason: "Other records (orders' history, audit entries, support threads) refer to the user's id.",
        },
      ],
    };
  }
}
