import {
  getArgumentValues,
  getNamedType,
  isObjectType,
  getOperationAST,
  getVariableValues,
  Kind,
  OperationTypeNode,
  parse,
  specifiedRules,
  validate,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { Permission } from '../../common/authorization/permission.js';
import type { TenantContext } from '../../common/context/request-context.js';
import { connectionStatement, type PageQuery } from './connection-sql.js';
import { sessionTenant } from '../tenant-sql.js';
import type { ListReadModel, ReadModels } from './read-models.js';
import { NotCompilable, type SelectionContext } from './selection-sql.js';

const logger = new Logger('ReadPlans');

/** A document the read path serves: one query of one registered list, parsed and validated once. */
export interface DocumentPlan {
  list: ListReadModel;
  /** Where the list's value goes in `data`: its alias, or its name. */
  responseKey: string;
  field: GraphQLField<unknown, unknown>;
  connection: GraphQLObjectType;
  fieldNodes: FieldNode[];
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  /** Statement texts by page shape and permissions; null where a selected field is masked (not compiled). */
  statements: Map<string, { text: string; countsAll: boolean } | null>;
}

/** Documents that are not plans: remembered so that they are parsed once, and then left to Apollo. */
const NOT_A_PLAN = 'resolvers';

export interface ReadPlansOptions {
  schema: GraphQLSchema;
  validationRules: readonly ValidationRule[];
  maxTokens: number;
  models: ReadModels;
  /** How many documents are remembered (plans and documents left to the resolvers alike). */
  maxDocuments?: number;
}

const MAX_SHAPES_PER_DOCUMENT = 32;

/** The request's page: a compiled statement and its values, or null to leave the request to the resolvers. */
export interface CompiledPage {
  plan: DocumentPlan;
  text: string;
  values: unknown[];
}

/**
 * Decides, once per document, whether the read path can answer it: a query whose only root field is a list with a read
 * model, valid under the same rules Apollo applies, every selected field compilable. Everything else (mutations,
 * several root fields, directives, fields without a read model) goes on to Apollo and the resolvers.
 */
export class ReadPlans {
  private readonly documents: LRUCache<string, DocumentPlan | typeof NOT_A_PLAN>;
  private readonly rules: readonly ValidationRule[];

  constructor(private readonly options: ReadPlansOptions) {
    this.documents = new LRUCache({ max: options.maxDocuments ?? 500 });
    this.rules = [...specifiedRules, ...options.validationRules];
  }

  /** The plan of a document, or null when the resolvers must answer it. */
  documentPlan(query: string, operationName: string | undefined): DocumentPlan | null {
    const key = `${operationName ?? ''}\u0000${query}`;
    let plan = this.documents.get(key);
    if (plan === undefined) {
      plan = this.planDocument(query, operationName) ?? NOT_A_PLAN;
      this.documents.set(key, plan);
    }
    return plan === NOT_A_PLAN ? null : plan;
  }

  /**
   * The statement for one request of `plan`, with its values; null when the request must go to the resolvers (its
   * variables or arguments are refused there with the proper error, or a field it selects is masked for the reader).
   */
  async page(
    plan: DocumentPlan,
    ctx: TenantContext,
    variables: Record<string, unknown> | undefined,
    validateArgs: (args: Record<string, unknown>) => Promise<object>,
  ): Promise<CompiledPage | null> {
    const coerced = getVariableValues(this.options.schema, plan.operation.variableDefinitions ?? [], variables ?? {});
    if (coerced.errors) return null;
    const args = await validateArgs(getArgumentValues(plan.field, plan.fieldNodes[0], coerced.coerced));
    const page = plan.list.page(ctx, args, sessionTenant);
    const key = `${permissionsKey(ctx.permissions)}|${shapeKey(page)}`;
    let statement = plan.statements.get(key);
    if (statement === undefined) {
      statement = this.compile(plan, ctx.permissions, page);
      if (plan.statements.size >= MAX_SHAPES_PER_DOCUMENT) plan.statements.clear();
      plan.statements.set(key, statement);
    }
    if (!statement) return null;
    const values: unknown[] = [ctx.tenantId, page.request.limit, ...page.where.params];
    if (statement.countsAll) values.push(...page.countWhere.params);
    return { plan, text: statement.text, values };
  }

  private compile(plan: DocumentPlan, permissions: ReadonlySet<Permission>, page: PageQuery): { text: string; countsAll: boolean } | null {
    let aliases = 0;
    const ctx: SelectionContext = {
      fragments: plan.fragments,
      permissions,
      model: (type) => this.options.models.object(type),
      tenantParam: '$1',
      alias: () => `r${++aliases}`,
    };
    try {
      return connectionStatement(ctx, plan.connection, plan.fieldNodes, page);
    } catch (error) {
      if (!(error instanceof NotCompilable)) throw error;
      logger.debug(`${plan.operation.name?.value ?? 'An operation'} is left to the resolvers: it selects ${error.message}`);
      return null;
    }
  }

  private planDocument(query: string, operationName: string | undefined): DocumentPlan | null {
    let document;
    try {
      document = parse(query, { maxLexicalTokens: this.options.maxTokens, noLocation: true });
    } catch {
      return null;
    }
    const operation = getOperationAST(document, operationName);
    if (operation?.operation !== OperationTypeNode.QUERY) return null;
    if (validate(this.options.schema, document, this.rules).length > 0) return null;
    const roots = operation.selectionSet.selections;
    const root = roots[0] as (typeof roots)[number] | undefined;
    if (roots.length !== 1 || root?.kind !== Kind.FIELD || root.directives?.length || operation.directives?.length) return null;
    const list = this.options.models.list(root.name.value);
    const field = this.options.schema.getQueryType()?.getFields()[root.name.value];
    if (!list || !field) return null;
    const connection = namedObjectType(field.type);
    if (!connection) return null;
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    return {
      list,
      responseKey: root.alias?.value ?? root.name.value,
      field,
      connection,
      fieldNodes: [root],
      operation,
      fragments,
      statements: new Map(),
    };
  }
}

function namedObjectType(type: GraphQLOutputType): GraphQLObjectType | null {
  const named = getNamedType(type);
  return isObjectType(named) ? named : null;
}

const permissionKeys = new WeakMap<ReadonlySet<Permission>, string>();

/** The reader's permissions as a key; a credential's set is the same object on every request (the key cache's). */
function permissionsKey(permissions: ReadonlySet<Permission>): string {
  let key = permissionKeys.get(permissions);
  if (key === undefined) {
    key = [...permissions].sort().join(',');
    permissionKeys.set(permissions, key);
  }
  return key;
}

/** What of a page changes its statement's text: the conditions present, the sort and the direction. */
function shapeKey(page: PageQuery): string {
  return `${page.where.toString()}|${page.countWhere.toString()}|${page.sortColumns.join(',')}|${String(page.fetchDescending)}|${String(page.request.backward)}|${String(page.request.boundary !== null)}`;
}
