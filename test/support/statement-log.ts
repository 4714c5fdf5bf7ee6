type LogQuery = (context: { query: string; level?: string }) => void;

/**
 * Records every SQL statement the server's ORM sends while `during` runs: MikroORM reports each statement, transaction
 * control (begin, commit) and the row-level-security session setup included, to its logger's `logQuery`, whether or
 * not query logging is switched on. Requests must not overlap with `during`, or their statements are counted too.
 */
/** The part of a MikroORM instance this needs (structural, so any driver's MikroORM fits). */
interface WithLogger {
  config: { getLogger(): object };
}

export async function recordStatements<T>(orm: WithLogger, during: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const logger = orm.config.getLogger() as { logQuery: LogQuery };
  const original = logger.logQuery;
  const statements: string[] = [];
  logger.logQuery = function recording(this: unknown, context) {
    statements.push(context.query);
    original.call(this, context);
  };
  try {
    const result = await during();
    return { result, statements };
  } finally {
    logger.logQuery = original;
  }
}
