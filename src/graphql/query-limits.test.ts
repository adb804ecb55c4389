import { buildSchema } from 'graphql';
import { DEFAULT_QUERY_LIMITS } from '../config/limits';
import { QueryLimiter } from './query-limits';

const schema = buildSchema(`
  type Query { tickets(first: Int = 50): [Ticket!]! queue: Int! }
  type Ticket {
    id: ID!
    followUpOf: Ticket
    messages(first: Int = 50): [Message!]!
    thread(first: Int, after: String, last: Int, before: String): [Message!]!
  }
  type Message { id: ID! body: String! ticket: Ticket! }
`);
const limiter = () => new QueryLimiter(schema, { ...DEFAULT_QUERY_LIMITS, maxDepth: 5, maxCost: 1_000 });
const refusal = (errors: { extensions: Record<string, unknown> }[]) =>
  errors.map((e) => [e.extensions.code, e.extensions.limit]);

describe('QueryLimiter', () => {
  it.each([
    ['within every limit', '{ tickets(first: 5) { id messages(first: 5) { id } } }', []],
    [
      'too deep',
      '{ tickets { followUpOf { followUpOf { followUpOf { followUpOf { id } } } } } }',
      ['maxDepth'],
    ],
    [
      'too deep through fragments',
      'query { tickets { ...A } } fragment A on Ticket { followUpOf { ...B } } fragment B on Ticket { followUpOf { followUpOf { id } } }',
      ['maxDepth'],
    ],
    [
      'too many aliases',
      `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: queue`).join(' ')} }`,
      ['maxAliases'],
    ],
    ['too many directives', `{ queue ${'@skip(if: false) '.repeat(21)} }`, ['maxDirectives']],
    ['too many tokens', `{ ${'queue '.repeat(2_100)} }`, ['maxTokens']],
    ['too long', `{ queue } #${'x'.repeat(40_000)}`, ['maxQueryLength']],
    ['costly: pages multiply', '{ tickets(first: 100) { messages(first: 100) { id } } }', ['maxCost']],
    ['a syntax error is left to the pipeline', '{ tickets { ', []],
    ['an unknown field is left to validation', '{ nope { deeper } }', []],
  ])('%s', (_case, query, limits) => {
    expect(refusal(limiter().check(query, undefined))).toEqual(
      limits.map((l) => ['QUERY_LIMIT_EXCEEDED', l]),
    );
  });

  it('prices `first` from the variables, and its default when absent', () => {
    const query = 'query($n: Int) { tickets(first: $n) { messages(first: $n) { id } } }';
    const l = limiter();
    expect(l.check(query, { n: 10 })).toEqual([]);
    expect(refusal(l.check(query, { n: 40 }))).toEqual([['QUERY_LIMIT_EXCEEDED', 'maxCost']]);
    // Defaults (50 × 50) are over this limiter's 1,000 too.
    expect(refusal(l.check('{ tickets { messages { id } } }', undefined))).toEqual([
      ['QUERY_LIMIT_EXCEEDED', 'maxCost'],
    ]);
  });

  it('prices `last` as `first`, and a page with neither at the default page size (50)', () => {
    const l = limiter();
    // Against this limiter's 1,000: 10 × 10 costs 111, 10 × 100 costs 1,011, 20 × 50 costs 1,021.
    expect(l.check('{ tickets(first: 10) { thread(last: 10) { id } } }', undefined)).toEqual([]);
    expect(refusal(l.check('{ tickets(first: 10) { thread(last: 100) { id } } }', undefined))).toEqual([
      ['QUERY_LIMIT_EXCEEDED', 'maxCost'],
    ]);
    expect(refusal(l.check('{ tickets(first: 20) { thread { id } } }', undefined))).toEqual([
      ['QUERY_LIMIT_EXCEEDED', 'maxCost'],
    ]);
    const query = 'query($n: Int) { tickets(first: 20) { thread(last: $n) { id } } }';
    expect(l.check(query, { n: 10 })).toEqual([]);
    expect(refusal(l.check(query, { n: 60 }))).toEqual([['QUERY_LIMIT_EXCEEDED', 'maxCost']]);
  });

  it('says which limit, its value and what was found', () => {
    const [error] = limiter().check(
      '{ tickets { followUpOf { followUpOf { followUpOf { followUpOf { id } } } } } }',
      {},
    );
    expect(error!.message).toBe('Query depth limit of 5 exceeded, found 6.');
    expect(error!.extensions).toMatchObject({ max: 5, http: { status: 400 } });
  });

  it('hands a transport the document it accepted', () => {
    const l = limiter();
    expect(l.document('{ queue }')).toBeUndefined();
    l.check('{ queue }', undefined);
    expect(l.document('{ queue }')?.kind).toBe('Document');
  });

  it('refuses U+0000 in a variable, however deep, naming where', () => {
    const query = 'query($n: Int) { tickets(first: $n) { id } }';
    const [error] = limiter().check(query, { n: 1, input: { tags: ['ok', 'bad\u0000'] } });
    expect(error!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'variables.input.tags[1]' });
  });

  it('refuses U+0000 in a string literal of the query, not a lookalike', () => {
    const l = new QueryLimiter(
      buildSchema('type Query { echo(text: String!): String! }'),
      DEFAULT_QUERY_LIMITS,
    );
    const [error] = l.check('{ echo(text: "a\\u0000b") }', undefined);
    expect(error!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'query' });
    expect(l.check('{ echo(text: "a\\u0001b") }', undefined)).toEqual([]);
    expect(l.check('{ echo(text: "a") } # \\u0000', undefined)).toEqual([]);
  });
});
