import { Injectable, type Type } from '@nestjs/common';
import type { TenantContext } from '../../common/context/request-context.js';
import type { PageQuery } from './connection-sql.js';
import type { TenantNaming } from '../tenant-sql.js';
import { read, type ObjectReadModel } from './read-model.js';

/**
 * A list on the Query type that the read path can compile (`orders(…)`): its arguments are validated as the
 * resolver's are, its access policy is the resolver method's, and its page is planned by the same function the
 * resolver's reader uses, so that both paths list the same rows.
 */
export interface ListReadModel<Args extends object = object> {
  /** The Query field, e.g. `orders`. */
  field: string;
  /** The class of the field's arguments (an @ArgsType), validated by the app's ValidationPipe. */
  args: Type<Args>;
  /** The resolver class and method, whose @RequirePermissions (or other access policy) applies unchanged. */
  resolver: { class: Type; method: string };
  /** Plans the page; the read path names the tenant as the session's (see sessionTenant). */
  page(ctx: TenantContext, args: Args, tenant: TenantNaming): PageQuery;
}

/** Types every module shares. */
const POSTAL_ADDRESS: ObjectReadModel = {
  type: 'PostalAddress',
  fields: {
    line1: read.column('line1'),
    line2: read.column('line2'),
    city: read.column('city'),
    region: read.column('region'),
    postalCode: read.column('postal_code'),
    country: read.column('country'),
  },
};

/** The read models the feature modules register when they start: object types by name, lists by Query field. */
@Injectable()
export class ReadModels {
  private readonly objects = new Map<string, ObjectReadModel>([[POSTAL_ADDRESS.type, POSTAL_ADDRESS]]);
  private readonly lists = new Map<string, ListReadModel>();

  registerObject(...models: ObjectReadModel[]): void {
    for (const model of models) {
      // Two modules may each add fields to one type (the contacts module adds Client.contacts).
      const known = this.objects.get(model.type);
      this.objects.set(model.type, known ? { type: model.type, fields: { ...known.fields, ...model.fields } } : model);
    }
  }

  registerList<Args extends object>(list: ListReadModel<Args>): void {
    this.lists.set(list.field, list);
  }

  object(type: string): ObjectReadModel | undefined {
    return this.objects.get(type);
  }

  list(field: string): ListReadModel | undefined {
    return this.lists.get(field);
  }
}
