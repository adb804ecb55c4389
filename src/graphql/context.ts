import type { Principal } from '../domain/auth/principal';
import type { Services } from '../services/services.factory';
import { createLoaders, type Loaders } from './loaders';

export interface GraphQLContext {
  principal: Principal;
  services: Services;
  loaders: Loaders;
  /** The HTTP request's id (X-Request-Id), or the WebSocket connection's, for the log lines. */
  requestId?: string;
}

/** One per HTTP request, or per WebSocket operation (`longLived`: a subscription, whose loaders must not cache). */
export function createContext(
  services: Services,
  principal: Principal,
  { longLived = false, requestId }: { longLived?: boolean; requestId?: string } = {},
): GraphQLContext {
  return { principal, services, loaders: createLoaders(services, { cache: !longLived }), requestId };
}
