import { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import { AccessGuard } from './access.guard';
import { Public, RequirePermissions, SignedInUser } from './access.decorators';
import { Permission } from './permission';
import { RequestContextStore, type RequestContext } from '../context/request-context';

class Operations {
  undeclared() {}
  @Public() open() {}
  @SignedInUser() mine() {}
  @RequirePermissions([Permission.ORDERS_READ]) orders() {}
}

function execution(handler: keyof Operations): ExecutionContext {
  return { getHandler: () => Operations.prototype[handler], getClass: () => Operations } as unknown as ExecutionContext;
}

const user = (permissions: Permission[], tenantId: string | null = 't1'): RequestContext => ({
  requestId: 'r',
  ip: '',
  userAgent: '',
  actor: { kind: 'user', userId: 'u', sessionId: 's' },
  tenantId,
  permissions: new Set(permissions),
});

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
    RequestContextStore.run(user([Permission.ORDERS_READ]), () => expect(code(() => guard.canActivate(execution('orders')))).toBe('ALLOWED'));
    RequestContextStore.run(user([]), () => expect(code(() => guard.canActivate(execution('orders')))).toBe('FORBIDDEN'));
    RequestContextStore.run(user([Permission.ORDERS_READ], null), () => expect(code(() => guard.canActivate(execution('orders')))).toBe('FORBIDDEN'));
    const key: RequestContext = { ...user([Permission.ORDERS_READ]), actor: { kind: 'apiKey', apiKeyId: 'k', createdByUserId: null } };
    RequestContextStore.run(key, () => {
      expect(code(() => guard.canActivate(execution('orders')))).toBe('ALLOWED');
      expect(code(() => guard.canActivate(execution('mine')))).toBe('FORBIDDEN');
    });
  });
});
