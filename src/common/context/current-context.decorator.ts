import { createParamDecorator } from '@nestjs/common';
import { RequestContextStore, type RequestContext } from './request-context.js';
import { unauthenticated } from '../errors/app-errors.js';

/** Injects the request context as a resolver argument, so services receive it first, explicitly. */
export const Ctx = createParamDecorator((_data: unknown): RequestContext => {
  const context = RequestContextStore.current();
  if (!context) throw unauthenticated('No request context.');
  return context;
});
