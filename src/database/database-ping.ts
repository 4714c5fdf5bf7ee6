import type { EntityManager } from '@mikro-orm/postgresql';

/** One trivial statement: whether the database answers at all (readiness). */
export async function databaseAnswers(em: EntityManager): Promise<void> {
  await em.execute('select 1');
}
