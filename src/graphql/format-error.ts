import { randomUUID } from 'node:crypto';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, Kind, type GraphQLFormattedError } from 'graphql';
import { DomainError } from '../domain/errors';
import type { DatabaseAvailability, DatabaseFault } from '../db/availability';
import type { Logger } from '../observability/logger';

export interface ErrorFormatterOptions {
  logger: Logger;
  /** Hide internal messages and stack traces from clients. */
  production: boolean;
  /** Told of every unexpected error: one that says the database is away is SERVICE_UNAVAILABLE. */
  availability?: Pick<DatabaseAvailability, 'report' | 'retryAfterSeconds'>;
}

export const SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE';

const FAULT_MESSAGES: Readonly<Record<DatabaseFault, string>> = {
  UNAVAILABLE: 'The database is unavailable; retry shortly',
  TIMED_OUT: 'The database could not answer in time; retry shortly',
};

/**
 * One mapping from thrown errors to what clients see, for HTTP and WebSocket alike:
 * domain refusals carry their code; errors GraphQL or Apollo already coded pass through; a database
 * that is away or too slow is SERVICE_UNAVAILABLE with a retry hint; anything else is a bug, logged with an id the client also gets, so a report can be matched to the log.
 */
export function createErrorFormatter({ logger, production, availability }: ErrorFormatterOptions) {
  // `requestId`: given where the caller knows it (a WebSocket's connection); over HTTP the
  // operation's log line pairs its requestId with this errorId.
  return (formatted: GraphQLFormattedError, error: unknown, requestId?: string): GraphQLFormattedError => {
    // A stream's last result (graphql/shared-subscribe.ts: a LAGGING subscriber) wraps its
    // DomainError in a GraphQLError of no field, without a path, which Apollo's unwrap leaves as is.
    const original =
      error instanceof GraphQLError && error.originalError instanceof DomainError
        ? error.originalError
        : unwrapResolverError(error);
    if (original instanceof DomainError) {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: {
          ...original.details,
          code: original.code,
          ...(original.field ? { field: original.field } : {}),
        },
      };
    }
    // graphql-js's own refusals of a request during execution (an argument given null where it may
    // not be) wrap nothing, and Apollo codes them INTERNAL_SERVER_ERROR: the request was wrong.
    const refusedByGraphQL =
      original !== error && original instanceof GraphQLError && !original.originalError;
    // So are its refusals of a variable's value (located at the variable's definition), and the
    // error that ends their coercion after 50: Apollo codes the first BAD_USER_INPUT over HTTP but
    // not the last, and over graphql-ws nothing codes them.
    const uncoded = [undefined, 'INTERNAL_SERVER_ERROR'].includes(formatted.extensions?.code as string);
    const badVariable =
      original instanceof GraphQLError &&
      (original.message.startsWith('Too many errors processing variables') ||
        (original.nodes?.length === 1 && original.nodes[0]!.kind === Kind.VARIABLE_DEFINITION));
    const code = refusedByGraphQL || (uncoded && badVariable) ? 'BAD_USER_INPUT' : formatted.extensions?.code;
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
      // extensions.http is for the HTTP transport's status line; Apollo drops it, graphql-ws would not.
      const { http: _http, ...extensions } = formatted.extensions ?? {};
      // "Did you mean …?" would tell a stranger the schema field by field, with introspection off.
      const message =
        production && formatted.message.includes(' Did you mean ')
          ? formatted.message.replace(/ Did you mean .*$/s, '')
          : formatted.message;
      return { ...formatted, message, extensions: { ...extensions, code } };
    }

    const fault = availability?.report(original) ?? null;
    if (fault) {
      return {
        message: FAULT_MESSAGES[fault],
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: SERVICE_UNAVAILABLE, retryAfterSeconds: availability!.retryAfterSeconds() },
      };
    }

    const errorId = randomUUID();
    logger.error(
      { err: original, errorId, requestId, path: formatted.path },
      'unexpected error in a GraphQL operation',
    );
    return {
      message: production ? 'Internal server error' : formatted.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: {
        code: 'INTERNAL_SERVER_ERROR',
        errorId,
        ...(production ? {} : { stacktrace: formatted.extensions?.stacktrace }),
      },
    };
  };
}

export type ErrorFormatter = ReturnType<typeof createErrorFormatter>;
