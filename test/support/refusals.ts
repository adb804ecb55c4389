import { errorCodes, type GraphQLResponse } from './graphql-client';
import type { TestApp } from './test-app';

/**
 * "Bad input gets a clear error and changes nothing": `refusalCheck(() => t)` gives a check that
 * waits until delivered changes have settled, runs the request, expects exactly the error `code`
 * (and its `field`, when given) and no data, and compares the whole database before and after.
 * Answers the error's message, for tests that read what it says.
 */
export function refusalCheck(
  app: () => TestApp,
): (run: () => Promise<GraphQLResponse<unknown>>, code: string, field?: string) => Promise<string> {
  return async (run, code, field) => {
    const t = app();
    await t.app.services.events.settle();
    const before = await t.snapshot();
    const res = await run();
    expect(errorCodes(res)).toEqual([code]);
    if (field) expect(res.errors![0]!.extensions?.field).toBe(field);
    expect(res.data ?? null).toBeNull();
    expect(await t.snapshot()).toEqual(before);
    return res.errors![0]!.message;
  };
}
