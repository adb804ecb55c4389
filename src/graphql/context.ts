import type { Principal } from '../domain/auth/principal';
import type { Services } from '../services/services.factory';
import { createLoaders, type Loaders } from './loaders';

export interface GraphQLContext {
  principal: Principal;
  services: Services;
  loaders: Loaders;
}

export function createContext(services: Services, principal: Principal): GraphQLContext {
  return { principal, services, loaders: createLoaders(services) };
}
