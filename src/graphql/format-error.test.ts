import { GraphQLError, parse, type OperationDefinitionNode } from 'graphql';
import { DomainError } from '../domain/errors';
import { createLogger } from '../observability/logger';
import { createErrorFormatter } from './format-error';

function formatter(production: boolean) {
  const logged: { obj: Record<string, unknown>; msg: string }[] = [];
  const logger = createLogger('silent');
  logger.error = ((obj: Record<string, unknown>, msg: string) =>
    void logged.push({ obj, msg })) as typeof logger.error;
  return { format: createErrorFormatter({ logger, production }), logged };
}

const bug = () => {
  const original = new TypeError("Cannot read properties of undefined (reading 'id')");
  return new GraphQLError(original.message, { originalError: original, path: ['ticket'] });
};

describe('createErrorFormatter', () => {
  it('gives a domain refusal its code and field', () => {
    const { format } = formatter(true);
    const error = new GraphQLError('bad', {
      originalError: new DomainError('BAD_USER_INPUT', 'Body is empty', 'body'),
      path: ['sendMessage'],
    });
    expect(format(error.toJSON(), error)).toMatchObject({
      message: 'Body is empty',
      extensions: { code: 'BAD_USER_INPUT', field: 'body' },
    });
  });

  it('gives a stream’s last result its code and details: a LAGGING subscriber’s error has no path', () => {
    const { format, logged } = formatter(true);
    const lagging = new DomainError('LAGGING', 'Fell behind', undefined, { resumeAfter: 'czE6MToy' });
    // As graphql/shared-subscribe.ts ends a stream: no field, so no path.
    const error = new GraphQLError(lagging.message, { originalError: lagging });
    expect(format(error.toJSON(), error)).toEqual({
      message: 'Fell behind',
      extensions: { code: 'LAGGING', resumeAfter: 'czE6MToy' },
    });
    expect(logged).toEqual([]);
  });

  it.each([true, false])(
    'turns a bug into INTERNAL_SERVER_ERROR with an id that is in the log (production %p)',
    (production) => {
      const { format, logged } = formatter(production);
      const error = bug();
      const out = format({ ...error.toJSON(), extensions: { stacktrace: ['at x'] } }, error);
      expect(out.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(out.extensions?.errorId).toMatch(/^[0-9a-f-]{36}$/);
      expect(logged).toHaveLength(1);
      expect(logged[0]!.obj.errorId).toBe(out.extensions?.errorId);
      expect(logged[0]!.obj.err).toBeInstanceOf(TypeError);
      if (production) {
        expect(out.message).toBe('Internal server error');
        expect(out.extensions?.stacktrace).toBeUndefined();
      } else {
        expect(out.message).toContain('Cannot read properties');
      }
    },
  );

  it('puts the request id, when the caller knows it, on the error’s log line', () => {
    const { format, logged } = formatter(true);
    const error = bug();
    const out = format(error.toJSON(), error, 'socket-7');
    expect(logged[0]!.obj).toMatchObject({ errorId: out.extensions?.errorId, requestId: 'socket-7' });
  });

  it('drops field suggestions in production only, and never passes extensions.http on', () => {
    const message = 'Cannot query field "agnets" on type "Query". Did you mean "agents" or "agent"?';
    const error = new GraphQLError(message, {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
    });
    expect(formatter(true).format(error.toJSON(), error)).toEqual({
      message: 'Cannot query field "agnets" on type "Query".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(formatter(false).format(error.toJSON(), error).message).toBe(message);
  });

  it("codes graphql-js's own refusals of a request BAD_USER_INPUT (they wrap no error)", () => {
    // As execution reports it: located at the field, wrapping graphql-js's own error.
    const raw = new GraphQLError('Argument "revokeExisting" of non-null type "Boolean!" must not be null.');
    const error = new GraphQLError(raw.message, { path: ['rotateAgentToken'], originalError: raw });
    const asApolloHandsIt = { ...error.toJSON(), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    expect(formatter(true).format(asApolloHandsIt, error).extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it.each([
    [
      'a variable given a bad value',
      'Variable "$filter" got invalid value "S0" at "filter.statuses[0]".',
      true,
    ],
    [
      'the end of variable coercion past 50 bad values',
      'Too many errors processing variables, error limit reached. Execution aborted.',
      false,
    ],
  ])(
    "codes graphql-js's refusal of %s BAD_USER_INPUT, over HTTP and graphql-ws (found by fuzzing ticketChanges)",
    (_name, message, atVariable) => {
      const nodes = atVariable ? variables('query($filter: TicketFilter) { tickets { id } }') : undefined;
      const error = new GraphQLError(message, { nodes });
      // Apollo's code for it over HTTP (INTERNAL_SERVER_ERROR for the end of coercion), none over graphql-ws.
      for (const extensions of [{ code: 'INTERNAL_SERVER_ERROR' }, {}]) {
        expect(formatter(true).format({ ...error.toJSON(), extensions }, error).extensions).toEqual({
          code: 'BAD_USER_INPUT',
        });
      }
    },
  );

  it('leaves a validation error at a variable coded as it is', () => {
    const nodes = variables('query($unused: Int) { me { id } }');
    const error = new GraphQLError('Variable "$unused" is never used.', {
      nodes,
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(formatter(true).format(error.toJSON(), error).extensions).toEqual({
      code: 'GRAPHQL_VALIDATION_FAILED',
    });
  });
});

/** The variable definitions of a one-operation document, where graphql-js locates its variable errors. */
function variables(query: string) {
  return (parse(query).definitions[0] as OperationDefinitionNode).variableDefinitions ?? [];
}
