import http from 'node:http';
import { DEFAULT_HTTP_SERVER_LIMITS } from '../config/limits';
import { applyServerLimits, serverOptions } from './server-limits';

describe('serverOptions', () => {
  it('passes the timeouts on, and checks them every second at most', () => {
    expect(serverOptions(DEFAULT_HTTP_SERVER_LIMITS)).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 1_000,
    });
  });

  it('checks short timeouts at least twice within them', () => {
    const limits = { ...DEFAULT_HTTP_SERVER_LIMITS, headersTimeoutMs: 300, requestTimeoutMs: 600 };
    expect(serverOptions(limits).connectionsCheckingInterval).toBe(150);
    expect(serverOptions({ ...limits, headersTimeoutMs: 1 }).connectionsCheckingInterval).toBe(10);
  });

  it('gives node:http what it accepts, the connection cap included', () => {
    const server = http.createServer(serverOptions(DEFAULT_HTTP_SERVER_LIMITS));
    applyServerLimits(server, DEFAULT_HTTP_SERVER_LIMITS);
    expect(server.headersTimeout).toBe(10_000);
    expect(server.requestTimeout).toBe(30_000);
    expect(server.keepAliveTimeout).toBe(5_000);
    expect(server.maxConnections).toBe(10_000);
  });
});
