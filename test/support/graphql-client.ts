import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import request from 'supertest';
import type { Server } from 'node:http';

export interface GraphQLResponse<TData> {
  status: number;
  data: TData | null | undefined;
  errors: GraphQLFormattedError[] | undefined;
}

/** Calls the server over real HTTP with a codegen'd document, so variables and results are typed. */
export class GraphQLClient {
  constructor(private readonly server: Server) {}

  async execute<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    token?: string,
  ): Promise<GraphQLResponse<TData>> {
    return this.raw<TData>(
      { query: print(document), variables },
      token === undefined ? undefined : `Bearer ${token}`,
    );
  }

  /** For requests codegen cannot express: wrong types, raw headers. */
  async raw<TData = unknown>(body: object, authorization?: string): Promise<GraphQLResponse<TData>> {
    const res = await this.rawResponse(body, authorization);
    const parsed = res.body as { data?: TData | null; errors?: GraphQLFormattedError[] };
    return { status: res.status, data: parsed.data, errors: parsed.errors };
  }

  /** The whole HTTP response, for tests of status lines and headers. */
  rawResponse(body: object | string, authorization?: string): Promise<request.Response> {
    let req = request(this.server).post('/graphql').set('content-type', 'application/json');
    if (authorization !== undefined) req = req.set('authorization', authorization);
    return req.send(body);
  }

  /** Fails the test with the server's errors when the call did not succeed. */
  async ok<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    token?: string,
  ): Promise<TData> {
    const res = await this.execute(document, variables, token);
    if (res.errors?.length || !res.data) {
      throw new Error(`GraphQL call failed (${res.status}): ${JSON.stringify(res.errors)}`);
    }
    return res.data;
  }
}

export function errorCodes(res: { errors?: readonly GraphQLFormattedError[] }): string[] {
  return (res.errors ?? []).map((e) => String(e.extensions?.code));
}
