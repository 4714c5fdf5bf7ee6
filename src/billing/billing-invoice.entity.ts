import { BigIntType } from '@mikro-orm/core';
import { Entity, Enum, Index, Property } from '@mikro-orm/decorators/legacy';
import { registerEnumType } from '@nestjs/graphql';
import { TenantOwnedEntity, tenantPolicies } from '../database/base.entity.js';

export enum InvoiceStatus {
  DRAFT = 'DRAFT',
  OPEN = 'OPEN',
  PAID = 'PAID',
  UNCOLLECTIBLE = 'UNCOLLECTIBLE',
  VOID = 'VOID',
}
registerEnumType(InvoiceStatus, { name: 'InvoiceStatus' });

/**
 * A Stripe invoice of the tenant, as last read from Stripe. A legal-hold record: invoices are kept for accounting
 * whatever the retention of other data, so the app role may not delete them (the migration revokes it).
 */
// Invoices outlive a closed tenant's purge (legal hold) and go with its last records, as that purge alone can do.
@Entity(tenantPolicies({ purge: true }))
@Index({ properties: ['tenantId', 'issuedAt', 'id'] })
export class BillingInvoice extends TenantOwnedEntity {
  @Property({ length: 255, unique: true })
  stripeInvoiceId: string;

  @Property({ length: 100, nullable: true })
  number?: string;

  /** Minor units of `currency`. */
  @Property({ type: new BigIntType('number') })
  amountDue: number;

  @Property({ type: new BigIntType('number') })
  amountPaid: number;

  /** ISO 4217, upper case. */
  @Property({ length: 3 })
  currency: string;

  @Enum({ items: () => InvoiceStatus, nativeEnumName: 'invoice_status' })
  status: InvoiceStatus;

  @Property({ type: 'timestamptz' })
  periodStart: Date;

  @Property({ type: 'timestamptz' })
  periodEnd: Date;

  @Property({ type: 'text', nullable: true })
  hostedInvoiceUrl?: string;

  @Property({ type: 'text', nullable: true })
  invoicePdfUrl?: string;

  /** When Stripe created the invoice. */
  @Property({ type: 'timestamptz' })
  issuedAt: Date;
}
