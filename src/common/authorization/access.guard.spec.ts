import { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import { AccessGuard } from './access.guard';
import { Public, RequirePermissions, SignedInUser, TenantMemberOrStaff } from './access.decorators';
import { Permission } from './permission';
import { PlatformRole } from './platform-role';
import { TenantWriteGates } from './tenant-write-gate';
import { RequestContextStore, type RequestContext } from '../context/request-context';
import { TenantCtx } from '../context/current-context.decorator';
import { grantedTenantContext } from '../context/tenant-context';

/** Handlers as Nest sees them: the guard reads only their metadata, and Nest hands them over unbound. */
class Operations {
  undeclared(this: void) {
    return 'undeclared';
  }
  @Public() open(this: void) {
    return 'open';
  }
  @SignedInUser() mine(this: void) {
    return 'mine';
  }
  @RequirePermissions([Permission.ORDERS_READ]) orders(this: void) {
    return 'orders';
  }
  @SignedInUser({ inActiveTenant: true }) usage(this: void) {
    return 'usage';
  }
  @TenantMemberOrStaff(PlatformRole.SUPPORT) attachment(this: void) {
    return 'attachment';
  }
}

function execution(handler: keyof Operations, method = 'GET'): ExecutionContext {
  return {
    getHandler: () => Operations.prototype[handler],
    getClass: () => Operations,
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => ({ method }) }),
  } as unknown as ExecutionContext;
}

/** The function Nest calls to fill a parameter decorated with `decorator`. */
function parameterFactory(decorator: () => ParameterDecorator): (data: unknown, execution: ExecutionContext) => unknown {
  class Host {
    handler(@decorator() value: unknown) {
      return value;
    }
  }
  const args = Reflect.getMetadata('__routeArguments__', Host, 'handler') as Record<
    string,
    { factory: (data: unknown, execution: ExecutionContext) => unknown }
  >;
  return Object.values(args)[0].factory;
}

const user = (permissions: Permission[], tenantId: string | null = 't1'): RequestContext => ({
  requestId: 'r',
  ip: '',
  userAgent: '',
  actor: { kind: 'user', userId: 'u', sessionId: 's' },
  tenantId,
  permissions: new Set(permissions),
});

const staff = (): RequestContext => ({ ...user([], null), actor: { kind: 'user', userId: 's', sessionId: 's', platformRole: PlatformRole.SUPPORT } });

const message = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return 'ALLOWED';
};

const code = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code;
  }
  return 'ALLOWED';
};

describe('AccessGuard', () => {
  const guard = new AccessGuard(new Reflector());

  it('refuses an operation that declares no policy, whoever calls it', () => {
    RequestContextStore.run(user(Object.values(Permission)), () => {
      expect(code(() => guard.canActivate(execution('undeclared')))).toBe('FORBIDDEN');
    });
  });

  it('lets anyone call a public operation and only signed-in callers the rest', () => {
    expect(code(() => guard.canActivate(execution('open')))).toBe('ALLOWED');
    expect(code(() => guard.canActivate(execution('mine')))).toBe('UNAUTHENTICATED');
  });

  it('checks permissions in the active tenant for users and API keys alike', () => {
    RequestContextStore.run(user([Permission.ORDERS_READ]), () => {
      expect(code(() => guard.canActivate(execution('orders')))).toBe('ALLOWED');
    });
    RequestContextStore.run(user([]), () => {
      expect(code(() => guard.canActivate(execution('orders')))).toBe('FORBIDDEN');
    });
    RequestContextStore.run(user([Permission.ORDERS_READ], null), () => {
      expect(code(() => guard.canActivate(execution('orders')))).toBe('FORBIDDEN');
    });
    const key: RequestContext = { ...user([Permission.ORDERS_READ]), actor: { kind: 'apiKey', apiKeyId: 'k', createdByUserId: null } };
    RequestContextStore.run(key, () => {
      expect(code(() => guard.canActivate(execution('orders')))).toBe('ALLOWED');
      expect(code(() => guard.canActivate(execution('mine')))).toBe('FORBIDDEN');
    });
  });
});

describe('AccessGuard and the TenantContext', () => {
  const guard = new AccessGuard(new Reflector());

  it('refuses every operation that declares a tenant when none is active, with one message', () => {
    for (const handler of ['orders', 'usage', 'attachment'] as const) {
      RequestContextStore.run(user(Object.values(Permission), null), () => {
        expect([handler, message(() => guard.canActivate(execution(handler)))]).toEqual([handler, 'No active tenant: switch to a tenant first.']);
      });
    }
    RequestContextStore.run(user([], null), () => {
      expect(code(() => guard.canActivate(execution('mine')))).toBe('ALLOWED');
    });
  });

  it('lets staff with the named platform role in without a tenant, and only them', () => {
    RequestContextStore.run(staff(), () => {
      expect(code(() => guard.canActivate(execution('attachment')))).toBe('ALLOWED');
    });
    RequestContextStore.run(staff(), () => {
      expect(code(() => guard.canActivate(execution('usage')))).toBe('FORBIDDEN');
    });
    RequestContextStore.run(user([]), () => {
      expect(code(() => guard.canActivate(execution('attachment')))).toBe('ALLOWED');
    });
  });

  it('grants the TenantContext only once every check of an operation declaring a tenant has passed', () => {
    const granted = (ctx: RequestContext, handler: keyof Operations) =>
      RequestContextStore.run(ctx, () => {
        code(() => guard.canActivate(execution(handler)));
        return grantedTenantContext(ctx) === ctx;
      });
    expect(granted(user([Permission.ORDERS_READ]), 'orders')).toBe(true);
    expect(granted(user([]), 'orders')).toBe(false);
    expect(granted(user([Permission.ORDERS_READ]), 'mine')).toBe(false);
    expect(granted(user([], null), 'usage')).toBe(false);
    expect(granted(staff(), 'attachment')).toBe(false);
  });

  it('hands @TenantCtx() the granted context, and refuses it where the policy declares no tenant', () => {
    const tenantCtx = parameterFactory(TenantCtx);
    const ctx = user([Permission.ORDERS_READ]);
    RequestContextStore.run(ctx, () => {
      expect(message(() => tenantCtx(undefined, execution('orders')))).toMatch(/declares no tenant/);
      void guard.canActivate(execution('orders'));
      expect(tenantCtx(undefined, execution('orders'))).toBe(ctx);
      // Granted for this request, yet not for an operation that never declared a tenant: a programming error.
      expect(message(() => tenantCtx(undefined, execution('mine')))).toMatch(/Operations\.mine, whose access policy declares no tenant/);
    });
  });

  it("gates changes that need tenant permissions, not a user's own operations in their active tenant", async () => {
    const gates = new TenantWriteGates();
    gates.register({ assertWritable: () => Promise.reject(new Error('read-only')) });
    const gated = new AccessGuard(new Reflector(), undefined, gates);
    await RequestContextStore.run(user([Permission.ORDERS_READ]), async () => {
      await expect(Promise.resolve(gated.canActivate(execution('orders', 'POST')))).rejects.toThrow('read-only');
      await expect(Promise.resolve(gated.canActivate(execution('usage', 'POST')))).resolves.toBe(true);
      await expect(Promise.resolve(gated.canActivate(execution('orders', 'GET')))).resolves.toBe(true);
    });
  });
});
