import type http from 'node:http';
import type { HttpServerLimits } from '../config/limits';

/**
 * node:http checks its headers and request timeouts on a timer (30 s by default), so a slowloris
 * outlived them by up to that much; checked every second, or more often for shorter timeouts.
 * Node takes a connection off that check once it is upgraded, so WebSockets are not cut.
 */
export function serverOptions(limits: HttpServerLimits): http.ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(
      10,
      Math.min(1_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 2)),
    ),
  };
}

/** What node:http takes only as a property: past the cap, a new socket is closed once accepted. */
export function applyServerLimits(server: http.Server, limits: HttpServerLimits): void {
  server.maxConnections = limits.maxConnections;
}
