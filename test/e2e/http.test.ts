import http from 'node:http';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(t.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}`, ...headers },
    body,
  });

describe('GraphQL over HTTP', () => {
  it('answers a POST with JSON, and a GET with the query in the URL', async () => {
    const posted = await post(JSON.stringify({ query: '{ conversationStyles { kind } }' }));
    expect(posted.status).toBe(200);
    expect(posted.headers.get('content-type')).toMatch(/application\/(graphql-response\+)?json/);
    const { data } = (await posted.json()) as { data: { conversationStyles: { kind: string }[] } };
    expect(data.conversationStyles.map((s) => s.kind).sort()).toEqual([
      'LIVE_CHAT',
      'LIVE_CHAT_RETURNING',
      'SOCIAL_MESSAGING',
    ]);

    const got = await fetch(`${t.httpUrl}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { authorization: `Bearer ${t.adminToken}`, 'apollo-require-preflight': 'true' },
    });
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a body that is not JSON with 400 BAD_REQUEST', async () => {
    const res = await post('{"query": ');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses a body over 1 MB with 413, declared or not', async () => {
    const huge = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(2 * 1024 * 1024) } });
    const res = await post(huge);
    expect(res.status).toBe(413);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');

    // Chunked, with no Content-Length: refused once the limit is crossed, not after reading it all.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(t.httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      for (let i = 0; i < 32; i++) req.write('x'.repeat(64 * 1024));
      req.end();
    });
    expect(status).toBe(413);
  });

  // urql's and Apollo Client's GET defaults send Authorization, which a browser cannot send
  // cross-origin without a preflight: such a GET is no CSRF.
  it('answers a GET carrying only Authorization (no preflight-forcing header of Apollo’s)', async () => {
    const got = await fetch(`${t.httpUrl}?query=${encodeURIComponent('{ conversationStyles { kind } }')}`, {
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    expect(got.status).toBe(200);
    const { data } = (await got.json()) as { data: { conversationStyles: unknown[] } };
    expect(data.conversationStyles).toHaveLength(3);
  });

  it('still refuses a simple GET with no Authorization as a possible CSRF', async () => {
    const got = await fetch(`${t.httpUrl}?query=${encodeURIComponent('{ __typename }')}`);
    expect(got.status).toBe(400);
    expect(await got.text()).toMatch(/Cross-Site Request Forgery/);
  });

  it('keeps CSRF prevention: a simple (text/plain) POST is refused', async () => {
    const res = await post(JSON.stringify({ query: '{ __typename }' }), { 'content-type': 'text/plain' });
    expect(res.status).toBe(400);
  });
});
