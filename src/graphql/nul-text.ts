import { type DocumentNode, GraphQLError, Kind, visit } from 'graphql';

/**
 * PostgreSQL text cannot hold U+0000, and no person or partner means to send it, so a request
 * carrying it anywhere (a variable, or a string literal in the query) is refused whole, as
 * BAD_USER_INPUT naming where, before anything runs, rather than failing deep in a write.
 */
export function nulInVariables(value: unknown, path = 'variables'): GraphQLError | null {
  if (typeof value === 'string') return value.includes('\u0000') ? refusal(path) : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const found = nulInVariables(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
    if (found) return found;
  }
  return null;
}

export function nulInLiterals(document: DocumentNode): GraphQLError | null {
  let found: GraphQLError | null = null;
  visit(document, {
    [Kind.STRING]: (node) => {
      if (!found && node.value.includes('\u0000')) found = refusal('query', node.loc?.start);
    },
  });
  return found;
}

function refusal(field: string, at?: number): GraphQLError {
  const where = field === 'query' ? `a string in the query${at === undefined ? '' : ` (at ${at})`}` : field;
  return new GraphQLError(`${where} contains the NUL character (U+0000), which no text may hold`, {
    extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } },
  });
}
