import { startTestApp, type TestApp } from '../support/test-app';

let dev: TestApp;
let prod: TestApp;
let listed: TestApp;

beforeAll(async () => {
  dev = await startTestApp();
  prod = await startTestApp({ nodeEnv: 'production' });
  listed = await startTestApp({
    nodeEnv: 'production',
    limits: { corsOrigins: ['https://app.example.com'] },
  });
});
afterAll(async () => {
  await Promise.all([dev.close(), prod.close(), listed.close()]);
});

const post = (t: TestApp, body: object, headers: Record<string, string> = {}) =>
  fetch(t.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}`, ...headers },
    body: JSON.stringify(body),
  });

const preflight = (t: TestApp, origin: string) =>
  fetch(t.httpUrl, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });

type Errors = { errors: { message: string; extensions: Record<string, unknown> }[] };

describe('security headers', () => {
  it('are on every response, the content policy and HSTS in production', async () => {
    for (const t of [dev, prod]) {
      for (const res of [
        await post(t, { query: '{ __typename }' }),
        await fetch(t.httpUrl.replace('/graphql', '/healthz')),
      ]) {
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('x-frame-options')).toBe('DENY');
        expect(res.headers.get('referrer-policy')).toBe('no-referrer');
        expect(res.headers.get('x-powered-by')).toBeNull();
        const production = t === prod;
        expect(res.headers.get('content-security-policy')).toBe(
          production ? "default-src 'none'; frame-ancestors 'none'" : null,
        );
        expect(res.headers.get('strict-transport-security') !== null).toBe(production);
      }
    }
    const answer = await post(prod, { query: '{ __typename }' });
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });
});

describe('CORS', () => {
  it('is closed by default in production: no CORS headers for any origin', async () => {
    const pre = await preflight(prod, 'https://evil.example');
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-methods')).toBeNull();
    const res = await post(prod, { query: '{ __typename }' }, { origin: 'https://evil.example' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets browsers send the headers Apollo Client, tracing and error monitoring add', async () => {
    const wanted = [
      'authorization',
      'content-type',
      'apollographql-client-name',
      'apollographql-client-version',
      'traceparent',
      'tracestate',
      'baggage',
      'sentry-trace',
    ];
    const res = await fetch(listed.httpUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': wanted.join(', '),
      },
    });
    expect(res.status).toBe(204);
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').split(/,\s*/);
    expect(wanted.filter((h) => !allowed.includes(h))).toEqual([]);
  });

  it('allows exactly the listed origins, never with credentials', async () => {
    const ok = await preflight(listed, 'https://app.example.com');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    expect(ok.headers.get('vary')).toContain('Origin');

    const res = await post(listed, { query: '{ __typename }' }, { origin: 'https://app.example.com' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');

    const other = await preflight(listed, 'https://app.example.com.evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('is open to any origin in development', async () => {
    const pre = await preflight(dev, 'http://localhost:5173');
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('what production does not tell', () => {
  it('no field suggestions', async () => {
    const query = '{ agnets { id } }';
    const inDev = (await (await post(dev, { query })).json()) as Errors;
    expect(inDev.errors[0]!.message).toContain('Did you mean');
    const inProd = (await (await post(prod, { query })).json()) as Errors;
    expect(inProd.errors[0]!.message).toBe('Cannot query field "agnets" on type "Query".');
    expect(inProd.errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('no stack traces', async () => {
    const query = '{ ticket(id: "00000000-0000-4000-8000-000000000000") { id } nope }';
    const inDev = (await (await post(dev, { query })).json()) as Errors;
    expect(inDev.errors[0]!.extensions.stacktrace).toBeDefined();
    const inProd = (await (await post(prod, { query })).json()) as Errors;
    for (const error of inProd.errors) expect(error.extensions.stacktrace).toBeUndefined();
  });

  it('no introspection', async () => {
    const res = (await (await post(prod, { query: '{ __schema { types { name } } }' })).json()) as Errors;
    expect(res.errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
