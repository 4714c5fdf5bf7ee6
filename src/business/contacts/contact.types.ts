import { Field, ID, ObjectType } from '@nestjs/graphql';
import { PostalAddressType } from '../../common/address/postal-address.js';
import { RestrictedField } from '../../common/authorization/field-access.js';
import { Permission } from '../../common/authorization/permission.js';
import { Connection } from '../../common/pagination/connection.types.js';
import type { Contact } from './contact.entity.js';

@ObjectType('Contact', { description: 'A person at a client. Their email, phone and address are personal data.' })
export class ContactType {
  @Field(() => ID) id: string;
  @Field(() => ID) clientId: string;
  @Field() firstName: string;
  @Field() lastName: string;
  @Field(() => String, { nullable: true }) title: string | null;
  @RestrictedField(() => String, Permission.PII_READ) email: string | null;
  @RestrictedField(() => String, Permission.PII_READ) phone: string | null;
  @RestrictedField(() => PostalAddressType, Permission.PII_READ) address: PostalAddressType | null;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;

  static from(contact: Contact): ContactType {
    return Object.assign(new ContactType(), {
      id: contact.id,
      clientId: contact.clientId,
      firstName: contact.firstName,
      lastName: contact.lastName,
      title: contact.title ?? null,
      email: contact.email ?? null,
      phone: contact.phone ?? null,
      address: PostalAddressType.from(contact.address),
      createdAt: contact.createdAt,
      updatedAt: contact.updatedAt,
    });
  }
}

export const ContactConnection = Connection(ContactType, 'Contact');
