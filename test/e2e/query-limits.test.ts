import type { GraphQLFormattedError } from 'graphql';
import { CreateAgentDocument } from '../generated/operations';
import { errorCodes } from '../support/graphql-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectWs, wsExecute } from '../support/ws-client';

let t: TestApp;
let agentToken: string;

beforeAll(async () => {
  t = await startTestApp();
  agentToken = (
    await t.client.ok(
      CreateAgentDocument,
      { input: { name: 'Limits', email: 'limits@example.com' } },
      t.adminToken,
    )
  ).createAgent.token;
});
afterAll(() => t.close());

/** `{ tickets { edges { node { followUpOf { followUpOf … } } } } }`, `depth` selections deep. */
function deepQuery(depth: number): string {
  let inner = 'id';
  for (let i = 0; i < depth - 4; i++) inner = `followUpOf { ${inner} }`;
  return `{ tickets { edges { node { ${inner} } } } }`;
}

const aliases = (count: number) =>
  `{ ${Array.from({ length: count }, (_, i) => `a${i}: queue { waiting }`).join(' ')} }`;

function limitOf(errors: readonly GraphQLFormattedError[] | undefined): unknown[] {
  return (errors ?? []).map((e) => [e.extensions?.code, e.extensions?.limit]);
}

/** The refusals must come before anything runs; timings are logged for the record, not asserted. */
async function timed<T>(label: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  process.stdout.write(`${label}: refused in ${(performance.now() - started).toFixed(1)} ms\n`);
  return result;
}

describe('abusive queries are refused before they run', () => {
  it('a 50-deep query', async () => {
    const res = await timed('50-deep', () => t.client.raw({ query: deepQuery(50) }, `Bearer ${agentToken}`));
    expect(res.status).toBe(400);
    expect(limitOf(res.errors)).toEqual([['QUERY_LIMIT_EXCEEDED', 'maxDepth']]);
    expect(res.errors![0]!.message).toBe('Query depth limit of 12 exceeded, found 50.');
    expect(res.data).toBeUndefined();
  });

  it('a query at the depth limit runs', async () => {
    const res = await t.client.raw({ query: deepQuery(12) }, `Bearer ${agentToken}`);
    expect(res.errors).toBeUndefined();
  });

  it('1,000 aliases (refused by the token limit before the aliases are even counted)', async () => {
    const res = await timed('1,000 aliases', () =>
      t.client.raw({ query: aliases(1_000) }, `Bearer ${agentToken}`),
    );
    expect(res.status).toBe(400);
    expect(limitOf(res.errors)).toEqual([['QUERY_LIMIT_EXCEEDED', 'maxTokens']]);
  });

  it('31 aliases, within the token limit', async () => {
    const res = await t.client.raw({ query: aliases(31) }, `Bearer ${agentToken}`);
    expect(limitOf(res.errors)).toEqual([['QUERY_LIMIT_EXCEEDED', 'maxAliases']]);
    expect((await t.client.raw({ query: aliases(30) }, `Bearer ${agentToken}`)).errors).toBeUndefined();
  });

  it('too many directives', async () => {
    const query = `{ queue { waiting ${'@include(if: true) '.repeat(21)} } }`;
    const res = await t.client.raw({ query }, `Bearer ${agentToken}`);
    expect(limitOf(res.errors)).toEqual([['QUERY_LIMIT_EXCEEDED', 'maxDirectives']]);
  });

  it('a costly query: nested pages multiply', async () => {
    const query = `query($n: Int) { tickets(first: $n) { edges { node { messages(first: $n) { edges { node { id body } } } } } } }`;
    const refused = await t.client.raw({ query, variables: { n: 100 } }, `Bearer ${agentToken}`);
    expect(limitOf(refused.errors)).toEqual([['QUERY_LIMIT_EXCEEDED', 'maxCost']]);
    expect(refused.errors![0]!.message).toMatch(/^Query cost limit of 25000 exceeded, found \d+/);
    // The same shape with smaller pages is fine.
    const accepted = await t.client.raw({ query, variables: { n: 20 } }, `Bearer ${agentToken}`);
    expect(accepted.errors).toBeUndefined();
  });

  it('`first` over 100', async () => {
    const res = await t.client.raw(
      { query: '{ tickets(first: 101) { totalCount } }' },
      `Bearer ${agentToken}`,
    );
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
  });

  it('a query text over the length limit', async () => {
    const query = `{ queue { waiting } } # ${'x'.repeat(40_000)}`;
    const res = await t.client.raw({ query }, `Bearer ${agentToken}`);
    expect(limitOf(res.errors)).toEqual([['QUERY_LIMIT_EXCEEDED', 'maxQueryLength']]);
  });

  it('a 2 MB body', async () => {
    const body = JSON.stringify({
      query: '{ queue { waiting } }',
      variables: { pad: 'x'.repeat(2 * 1024 * 1024) },
    });
    const res = await timed('2 MB body', () => t.client.rawResponse(body, `Bearer ${agentToken}`));
    expect(res.status).toBe(413);
    expect((res.body as { errors: GraphQLFormattedError[] }).errors[0]!.extensions!.code).toBe(
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('100 batched operations', async () => {
    const batch = Array.from({ length: 100 }, () => ({ query: '{ queue { waiting } }' }));
    const res = await timed('100 batched', () =>
      t.client.rawResponse(JSON.stringify(batch), `Bearer ${agentToken}`),
    );
    expect(res.status).toBe(400);
    expect((res.body as { errors: GraphQLFormattedError[] }).errors[0]!.extensions!.code).toBe('BAD_REQUEST');
  });

  it('the same limits over WebSocket', async () => {
    const ws = connectWs(t.wsUrl, `Bearer ${agentToken}`);
    await ws.acknowledged;
    try {
      const deep = await wsExecute(ws.client, deepQuery(50)).catch((errors: GraphQLFormattedError[]) => ({
        errors,
      }));
      expect(limitOf(deep.errors)).toEqual([['QUERY_LIMIT_EXCEEDED', 'maxDepth']]);
      const many = await wsExecute(ws.client, aliases(1_000)).catch((errors: GraphQLFormattedError[]) => ({
        errors,
      }));
      expect(limitOf(many.errors)).toEqual([['QUERY_LIMIT_EXCEEDED', 'maxTokens']]);
      // The socket survives a refused operation.
      expect((await wsExecute(ws.client, '{ queue { waiting } }')).errors).toBeUndefined();
    } finally {
      await ws.dispose();
    }
  });
});
