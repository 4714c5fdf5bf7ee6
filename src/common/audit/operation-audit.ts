import type { GraphQLFormattedError } from 'graphql';

/** One root field of a GraphQL operation, as the audit trail records it. */
export interface AuditedField {
  /** The field's name in the schema (not its alias). */
  fieldName: string;
  /** Its alias, or its name: where its value and errors appear in the response. */
  responseKey: string;
  /** The named type the field returns, e.g. `OrderType`. */
  returnType: string;
  /** The record it acted on: its `id` argument or input, else the `id` of what it returned. */
  targetId: string | null;
}

export interface OperationOutcome {
  kind: 'query' | 'mutation' | 'subscription';
  operationName: string | null;
  fields: AuditedField[];
  errors: readonly GraphQLFormattedError[];
}

/**
 * What the request transaction tells the audit trail about each GraphQL operation. Defined here so that the database
 * layer can call it without importing the audit module, which implements it.
 */
export interface OperationAuditor {
  /** Inside the operation's transaction, just before it commits: entries written here commit with the change. */
  beforeCommit(outcome: OperationOutcome): Promise<void>;
  /** After the operation's transaction rolled back: refusals are recorded in a transaction of their own. */
  afterRollback(outcome: OperationOutcome): Promise<void>;
  /**
   * Whether a read may be answered by the compiled read path, which writes nothing: false while an entry of it is due
   * (an API key's periodic use), so that the request takes the general path, whose transaction writes it.
   */
  admitsCompiledRead(): boolean;
  /** Counts a read the compiled read path answered (usage), as beforeCommit does for the others. */
  countCompiledRead(outcome: OperationOutcome): void;
}

export const OPERATION_AUDITOR = Symbol('OPERATION_AUDITOR');
