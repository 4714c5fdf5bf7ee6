import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** Which of an order's related records a request selected: only those are loaded, each with one query per page. */
export interface OrderRelations {
  client: boolean;
  contact: boolean;
  lines: boolean;
  history: boolean;
}

/** The fields directly inside `set`, looking through inline fragments and fragment spreads. */
function childFields(set: SelectionSetNode | undefined, info: GraphQLResolveInfo, into: FieldNode[]): void {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FIELD) into.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) childFields(selection.selectionSet, info, into);
    else {
      // Validation guarantees the fragment exists; a missing one contributes no fields rather than throwing.
      const fragment = info.fragments[selection.name.value] as FragmentDefinitionNode | undefined;
      childFields(fragment?.selectionSet, info, into);
    }
  }
}

/**
 * Reads the relations selected below the resolved field, following `path` (e.g. ['edges', 'node'] for a connection)
 * to the order objects. @skip/@include are ignored: a conditionally selected relation is loaded.
 */
export function selectedRelations(info: GraphQLResolveInfo, path: readonly string[] = []): OrderRelations {
  let nodes: readonly FieldNode[] = info.fieldNodes;
  for (const name of path) {
    const next: FieldNode[] = [];
    for (const node of nodes) childFields(node.selectionSet, info, next);
    nodes = next.filter((field) => field.name.value === name);
  }
  const fields: FieldNode[] = [];
  for (const node of nodes) childFields(node.selectionSet, info, fields);
  const names = new Set(fields.map((field) => field.name.value));
  return { client: names.has('client'), contact: names.has('contact'), lines: names.has('lines'), history: names.has('history') };
}

/**
 * Resolver parameter: the order relations the request selected, below `path` (['edges', 'node'] for a connection).
 * Hands the resolver a small plain object rather than the whole GraphQLResolveInfo.
 */
export const SelectedRelations = createParamDecorator((path: readonly string[] | undefined, context: ExecutionContext): OrderRelations =>
  selectedRelations(GqlExecutionContext.create(context).getInfo<GraphQLResolveInfo>(), path ?? []),
);
