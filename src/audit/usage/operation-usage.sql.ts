import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';

export interface OperationCount {
  tenantId: string;
  hour: Date;
  operationType: string;
  fieldName: string;
  count: number;
}

/** Adds counts to their tenant's hourly rows, creating the rows on first use; one statement for the batch. */
export async function addOperationCounts(em: EntityManager, batch: readonly OperationCount[]): Promise<void> {
  await em.execute(
    `insert into operation_usage (id, tenant_id, hour, operation_type, field_name, count, created_at, updated_at)
     values ${batch.map(() => '(?, ?, ?, ?, ?, ?, now(), now())').join(', ')}
     on conflict (tenant_id, hour, operation_type, field_name)
     do update set count = operation_usage.count + excluded.count, updated_at = now()`,
    batch.flatMap((c) => [uuidv7(), c.tenantId, c.hour, c.operationType, c.fieldName, c.count]),
  );
}
