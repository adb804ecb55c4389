import type { AuthCheckerFn } from 'type-graphql';
import type { Role } from '../domain/auth/principal';
import { forbidden, unauthenticated } from '../domain/errors';
import type { GraphQLContext } from './context';

/**
 * Role checks for @Authorized fields. It throws rather than returning false so the client gets the
 * precise code: UNAUTHENTICATED without a token, FORBIDDEN with a token of the wrong role.
 */
export const authChecker: AuthCheckerFn<GraphQLContext, Role> = ({ context, info }, roles) => {
  const { principal } = context;
  if (principal.role === 'ANONYMOUS') {
    throw unauthenticated('Sign in: send "Authorization: Bearer <token>"');
  }
  if (roles.length === 0 || roles.includes(principal.role)) return true;
  throw forbidden(`${principal.role} may not use ${info.parentType.name}.${info.fieldName}`);
};
