import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import {
  isIpAddress,
  targetHost,
  targetRefusal,
  type WebhookTargetPolicy,
} from '../../domain/webhook/webhook-target';

/** What is kept of a partner's answer: it is read this far at most, then dropped unread. */
const RESPONSE_BODY_LIMIT_BYTES = 16 * 1024;
/** last_error is shown in the delivery log: short. */
const MAX_ERROR_LENGTH = 300;
const REFUSED_CODE = 'PARLEY_WEBHOOK_TARGET_REFUSED';

export interface WebhookRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export type WebhookResponse =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly status: number | null; readonly error: string };

/**
 * POSTs deliveries (docs/domain.md "Outbound delivery to partners"). With private targets blocked,
 * every address a name resolves to is checked in the connection's own DNS lookup, the one the
 * socket then connects to, so a name that re-resolves to a private address between the check on
 * save and the send (DNS rebinding) is refused; an IP-literal host is checked before connecting.
 * Redirects are not followed (a 3xx is a failed attempt): a redirect could point anywhere.
 */
export class WebhookHttpClient {
  private readonly agent: Agent;
  private readonly inFlight = new Set<AbortController>();

  constructor(
    private readonly policy: WebhookTargetPolicy,
    private readonly timeoutMs: number,
  ) {
    this.agent = new Agent({
      connect: {
        timeout: timeoutMs,
        ...(policy.blockPrivateAddresses ? { lookup: checkedLookup(policy) } : {}),
      },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      // Idle connections to partners are kept briefly: a burst reuses them, a quiet endpoint does not hold one.
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 30_000,
    });
  }

  /** Never throws: every way an attempt can fail is an answer with a short, secret-free error. */
  async post(req: WebhookRequest): Promise<WebhookResponse> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return { ok: false, status: null, error: 'the endpoint URL is not a well-formed URL' };
    }
    const host = targetHost(url);
    if (isIpAddress(host)) {
      const refusal = targetRefusal(host, host, this.policy);
      if (refusal !== null) return { ok: false, status: null, error: `refused: ${refusal}` };
    }
    const controller = new AbortController();
    this.inFlight.add(controller);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      const res = await request(url, {
        method: 'POST',
        body: req.body,
        headers: req.headers,
        dispatcher: this.agent,
        signal: controller.signal,
      });
      await res.body.dump({ limit: RESPONSE_BODY_LIMIT_BYTES, signal: controller.signal });
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, status: res.statusCode };
      return { ok: false, status: res.statusCode, error: `HTTP ${res.statusCode}` };
    } catch (err) {
      if (timedOut) return { ok: false, status: null, error: `no answer within ${this.timeoutMs} ms` };
      if (controller.signal.aborted)
        return { ok: false, status: null, error: 'abandoned: the server stopped' };
      return { ok: false, status: null, error: describe(err) };
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }

  /** Ends every request still in flight (each then answers as failed). */
  abortAll(): void {
    for (const controller of this.inFlight) controller.abort();
  }

  /** Closes idle connections; requests still in flight are ended first. */
  async close(): Promise<void> {
    this.abortAll();
    await this.agent.close();
  }
}

/** A lookup that refuses the connection when any address of the name may not receive webhooks. */
function checkedLookup(policy: WebhookTargetPolicy): LookupFunction {
  return (hostname, options: LookupOptions, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) {
        callback(err, '', 0);
        return;
      }
      for (const { address } of addresses) {
        const refusal = targetRefusal(hostname, address, policy);
        if (refusal !== null) {
          callback(Object.assign(new Error(refusal), { code: REFUSED_CODE }), '', 0);
          return;
        }
      }
      if (options.all) callback(null, addresses);
      else if (addresses[0]) callback(null, addresses[0].address, addresses[0].family);
      else
        callback(
          Object.assign(new Error(`${hostname} resolved to no address`), { code: 'ENOTFOUND' }),
          '',
          0,
        );
    });
  };
}

/** The error as the delivery log shows it: what failed, without anything the request carried. */
function describe(err: unknown): string {
  const root = rootCause(err);
  const { code, message } = root as { code?: unknown; message?: unknown };
  if (code === REFUSED_CODE) return truncate(`refused: ${String(message)}`);
  const text = typeof message === 'string' && message !== '' ? message : String(root);
  return truncate(typeof code === 'string' ? `${code}: ${text}` : text);
}

function rootCause(err: unknown): unknown {
  let current = err;
  for (let depth = 0; depth < 5; depth++) {
    const cause = (current as { cause?: unknown } | null)?.cause;
    if (!cause || typeof cause !== 'object') break;
    current = cause;
  }
  return current;
}

function truncate(text: string): string {
  return text.length <= MAX_ERROR_LENGTH ? text : `${text.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}
