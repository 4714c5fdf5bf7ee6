import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { RestrictedField } from '../../common/authorization/field-access.js';
import { Permission } from '../../common/authorization/permission.js';
import { LocalDate, MinorUnits } from '../../common/graphql/scalars.js';
import { Connection } from '../../common/pagination/connection.types.js';
import { ClientType } from '../clients/index.js';
import { ContactType } from '../contacts/index.js';
import { OrderStatus } from './order-status.js';

@ObjectType('ExternalReference', { description: 'A reference to the order in another system (an invoice id, a supplier PO, …).' })
export class ExternalReferenceType {
  @Field() system: string;
  @Field() kind: string;
  @Field() value: string;
}

@ObjectType('OrderLine', { description: "One product on an order. Money is integer minor units of the order's currency." })
export class OrderLineType {
  @Field(() => ID) id: string;
  @Field(() => Int, { description: "1, 2, 3, … in the order's line order." }) position: number;
  @Field() productName: string;
  @Field(() => String, { nullable: true }) sku: string | null;
  @Field(() => String, { nullable: true }) supplier: string | null;
  @Field(() => Int) quantity: number;
  @Field(() => MinorUnits) unitPrice: number;
  @RestrictedField(() => MinorUnits, Permission.FINANCIALS_READ, { description: 'What the distributor pays per unit.' })
  unitCost: number | null;
  @Field(() => MinorUnits, { description: 'quantity × unitPrice.' }) lineTotal: number;
  @RestrictedField(() => MinorUnits, Permission.FINANCIALS_READ, { description: 'quantity × unitCost.' })
  lineCost: number | null;
  @Field(() => String, { nullable: true, description: 'Decoration / imprint: method, placement, artwork notes.' })
  decoration: string | null;
  @Field(() => String, { nullable: true }) colour: string | null;
}

@ObjectType('OrderStatusChange', { description: "One step of an order's history: who moved it from which status to which, and when." })
export class OrderStatusChangeType {
  @Field(() => ID) id: string;
  @Field(() => OrderStatus, { nullable: true, description: "Null for the order's creation." }) fromStatus: OrderStatus | null;
  @Field(() => OrderStatus) toStatus: OrderStatus;
  @Field() at: Date;
  @Field(() => ID, { nullable: true, description: 'The user who made the change, if a user did.' }) actorUserId: string | null;
  @Field(() => ID, { nullable: true, description: 'The API key that made the change, if a partner integration did.' })
  actorApiKeyId: string | null;
}

@ObjectType('Order', {
  description: 'A quote or order for branded merchandise. Money is integer minor units of `currency`; totals are derived from the lines.',
})
export class OrderType {
  @Field(() => ID) id: string;
  @Field({ description: 'Per tenant and gap-free, e.g. SO-000123.' }) number: string;
  @Field(() => OrderStatus) status: OrderStatus;
  @Field({ description: 'ISO 4217.' }) currency: string;
  @Field(() => LocalDate, { nullable: true, description: 'The date the customer needs the goods.' }) inHandsDate: string | null;
  @Field(() => String, { nullable: true }) notes: string | null;
  @Field(() => [ExternalReferenceType]) externalReferences: ExternalReferenceType[];
  @Field(() => MinorUnits, { description: "Sum of the lines' lineTotal." }) subtotal: number;
  @RestrictedField(() => MinorUnits, Permission.FINANCIALS_READ, { description: "Sum of the lines' lineCost." })
  totalCost: number | null;
  @RestrictedField(() => MinorUnits, Permission.FINANCIALS_READ, { description: 'subtotal − totalCost.' })
  margin: number | null;
  @Field(() => ID) clientId: string;
  @Field(() => ClientType) client: ClientType;
  @Field(() => ID, { nullable: true }) contactId: string | null;
  @Field(() => ContactType, { nullable: true }) contact: ContactType | null;
  @Field(() => [OrderLineType], { description: 'In position order.' }) lines: OrderLineType[];
  @Field(() => [OrderStatusChangeType], { description: 'The creation and every status change, oldest first.' })
  history: OrderStatusChangeType[];
  @Field() createdAt: Date;
  @Field({ description: 'When the order or one of its lines last changed.' }) updatedAt: Date;
}

export const OrderConnection = Connection(OrderType, 'Order');
