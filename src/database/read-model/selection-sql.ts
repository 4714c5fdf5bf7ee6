import {
  getNamedType,
  isObjectType,
  Kind,
  type FieldNode,
  type GraphQLField,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type SelectionSetNode,
} from 'graphql';
import type { Permission } from '../../common/authorization/permission.js';
import type { FieldReadModel, ObjectReadModel, RowRef } from './read-model.js';

/** Why a document is executed by the resolvers rather than compiled: said in the debug log, never to the client. */
export class NotCompilable extends Error {}

const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/;

function plain(name: string): string {
  if (!PLAIN_NAME.test(name)) throw new Error(`Not a plain SQL name: ${name}`);
  return name;
}

/** The row of a table alias; embedded objects read the columns with their prefix. */
export function tableRow(alias: string, prefix = ''): RowRef {
  return {
    col: (name) => `${plain(alias)}.${plain(prefix + name)}`,
    prefixed: (more) => tableRow(alias, prefix + more),
  };
}

/** An element of a JSON array column: its keys are its columns. */
function jsonRow(element: string): RowRef {
  return {
    col: (name) => `${element}->'${plain(name)}'`,
    prefixed: () => {
      throw new NotCompilable('an embedded object inside a JSON element');
    },
  };
}

/** What compiling one document needs: its fragments, the reader's permissions and the read models. */
export interface SelectionContext {
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  permissions: ReadonlySet<Permission>;
  model: (type: string) => ObjectReadModel | undefined;
  /** The placeholder of the tenant, compared in every related table as well as by row-level security. */
  tenantParam: string;
  /** A fresh table alias (`r1`, `r2`, …), so that nested sub-selects never shadow each other. */
  alias: () => string;
}

/**
 * The fields a selection set selects on `type`, by response key, through inline fragments and fragment spreads whose
 * type condition is `type` (or none). Directives (`@skip`, `@include`) depend on variables: not compiled.
 */
export function collectFields(
  ctx: SelectionContext,
  type: GraphQLObjectType,
  sets: readonly (SelectionSetNode | undefined)[],
  into = new Map<string, FieldNode[]>(),
): Map<string, FieldNode[]> {
  for (const set of sets) {
    for (const selection of set?.selections ?? []) {
      if (selection.directives?.length) throw new NotCompilable('a directive');
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const nodes = into.get(key);
        if (nodes) nodes.push(selection);
        else into.set(key, [selection]);
        continue;
      }
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : ctx.fragments[selection.name.value];
      if (!(fragment as FragmentDefinitionNode | undefined)) throw new NotCompilable('an unknown fragment');
      if (fragment.directives?.length) throw new NotCompilable('a directive');
      const condition = fragment.typeCondition?.name.value;
      if (condition !== undefined && condition !== type.name) throw new NotCompilable(`a fragment on ${condition} inside ${type.name}`);
      collectFields(ctx, type, [fragment.selectionSet], into);
    }
  }
  return into;
}

/**
 * A JSON object from (key, SQL) pairs, keys in selection order: the row of a one-row sub-select, whose columns are
 * named by the keys, as `row_to_json` writes it, without the spaces `json_build_object` puts around every colon and
 * comma (a tenth of the partner page's bytes).
 */
export function jsonObject(entries: readonly (readonly [string, string])[]): string {
  if (entries.length === 0) return `'{}'::json`;
  // Response keys are GraphQL names ([_A-Za-z][_0-9A-Za-z]*): safe as quoted identifiers.
  return `(select row_to_json(j) from (select ${entries.map(([key, sql]) => `${sql} as "${key}"`).join(', ')}) j)`;
}

/** A JSON array of the values of `sql` in `order`, as compact as jsonObject's objects; '[]' for none. */
export function jsonArray(sql: string, order: string, from: string): string {
  return `coalesce((select array_to_json(array_agg(${sql} order by ${order})) from ${from}), '[]'::json)`;
}

/** The sub-selection's type and fields of a field whose value is an object (or a list of objects). */
function childOf(ctx: SelectionContext, parent: GraphQLObjectType, nodes: readonly FieldNode[]): { type: GraphQLObjectType; fields: Map<string, FieldNode[]> } {
  // Validation ensures the field exists; a document that was not validated is refused here rather than read.
  const definition = parent.getFields()[nodes[0].name.value] as GraphQLField<unknown, unknown> | undefined;
  const type = definition ? getNamedType(definition.type) : undefined;
  if (!type || !isObjectType(type)) throw new NotCompilable(`${parent.name}.${nodes[0].name.value} is not an object`);
  return {
    type,
    fields: collectFields(
      ctx,
      type,
      nodes.map((node) => node.selectionSet),
    ),
  };
}

/** The SQL of one selected field of `type`, read from `row`. */
function fieldSql(ctx: SelectionContext, type: GraphQLObjectType, nodes: readonly FieldNode[], row: RowRef): string {
  const name = nodes[0].name.value;
  if (name === '__typename') return `'${type.name}'`;
  const field: FieldReadModel | undefined = ctx.model(type.name)?.fields[name];
  if (!field) throw new NotCompilable(`${type.name}.${name} has no read model`);
  if (nodes.some((node) => node.arguments?.length)) throw new NotCompilable(`${type.name}.${name} has arguments`);
  if (field.permission && !ctx.permissions.has(field.permission)) throw new NotCompilable(`${type.name}.${name} is masked`);
  switch (field.kind) {
    case 'value':
      return field.sql(row);
    case 'embedded': {
      const child = childOf(ctx, type, nodes);
      return objectSql(ctx, child.type, child.fields, row.prefixed(field.prefix));
    }
    case 'related': {
      const child = childOf(ctx, type, nodes);
      const alias = ctx.alias();
      return `(select ${objectSql(ctx, child.type, child.fields, tableRow(alias))} from ${field.from(row, alias)} and ${alias}.tenant_id = ${ctx.tenantParam})`;
    }
    case 'relatedList': {
      const child = childOf(ctx, type, nodes);
      const alias = ctx.alias();
      const object = objectSql(ctx, child.type, child.fields, tableRow(alias));
      const rows = `${field.from(row, alias)} and ${alias}.tenant_id = ${ctx.tenantParam}`;
      if (field.limit === undefined) return jsonArray(object, field.orderBy(alias), rows);
      // The first `limit` rows in order, then aggregated in the same order.
      const limited = `(select ${alias}.* from ${rows} order by ${field.orderBy(alias)} limit ${String(Math.trunc(field.limit))}) ${alias}`;
      return jsonArray(object, field.orderBy(alias), limited);
    }
    case 'jsonList': {
      const child = childOf(ctx, type, nodes);
      const alias = ctx.alias();
      const object = objectSql(ctx, child.type, child.fields, jsonRow(`${alias}.element`));
      return jsonArray(object, `${alias}.position`, `jsonb_array_elements(${field.sql(row)}) with ordinality ${alias}(element, position)`);
    }
  }
}

/** The JSON object of `type` for the selected fields, read from `row`. */
export function objectSql(ctx: SelectionContext, type: GraphQLObjectType, fields: ReadonlyMap<string, readonly FieldNode[]>, row: RowRef): string {
  return jsonObject([...fields].map(([key, nodes]) => [key, fieldSql(ctx, type, nodes, row)] as const));
}
