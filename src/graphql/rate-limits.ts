import { HeaderMap } from '@apollo/server';
import {
  type DocumentNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { RateLimit, RateLimits } from '../config/limits';
import type { Principal } from '../domain/auth/principal';
import type { Clock } from '../domain/clock';
import { isFull, take, type BucketState } from '../domain/rate-limit/token-bucket';

export const RATE_LIMITED = 'RATE_LIMITED';

/**
 * Partner traffic that grows with the conversation: each message received, and each delivery
 * receipt (a busy channel reports two or three per reply), draws on the message bucket.
 */
const MESSAGE_FIELDS: ReadonlySet<string> = new Set(['receiveMessage', 'updateMessageDelivery']);

/**
 * An agent's typing has a small bucket of its own, so renewing it never costs a reply. An
 * integration's is partner traffic that grows with the conversations (it relays every end user of
 * the channel): it draws on the message bucket.
 */
const TYPING_FIELD = 'setTyping';

type Bucket = keyof RateLimits;
const BUCKETS: readonly Bucket[] = ['messages', 'mutations', 'typing'];

const SWEEP_EVERY = 10_000;

/**
 * Mutations per token: receiveMessage and updateMessageDelivery draw on the token's message bucket,
 * setTyping on an agent's typing bucket (an integration's message bucket), every other mutation on
 * its mutation bucket, one token per root field. The check happens before anything runs, so a
 * refused operation changes nothing, and an accepted one is never dropped. The admin token is not
 * limited (it is the operator's own). Buckets live in this process: with N processes behind a load
 * balancer a token may reach N times the rate.
 */
export class MutationRateLimiter {
  private readonly buckets = new Map<string, BucketState>();
  private takes = 0;

  constructor(
    private readonly limits: RateLimits,
    private readonly clock: Clock,
  ) {}

  /** The refusal for this operation, or null once its tokens are taken. */
  check(
    principal: Principal,
    document: DocumentNode,
    operation: OperationDefinitionNode,
  ): GraphQLError | null {
    if (operation.operation !== 'mutation') return null;
    if (principal.role !== 'AGENT' && principal.role !== 'INTEGRATION') return null;
    const counts: Record<Bucket, number> = { messages: 0, mutations: 0, typing: 0 };
    for (const name of rootFields(document, operation.selectionSet)) {
      if (name === '__typename') continue;
      counts[bucketOf(name, principal.role)]++;
    }
    const nowMs = this.clock.now().getTime();
    const planned: [string, BucketState][] = [];
    for (const kind of BUCKETS) {
      const rate = this.limits[kind];
      if (!rate || counts[kind] === 0) continue;
      const key = `${kind}:${principal.tokenId}`;
      const result = take(rate, this.buckets.get(key), nowMs, counts[kind]);
      if (!result.allowed) return refusal(kind, rate, counts[kind], result.retryAfterMs);
      planned.push([key, result.state]);
    }
    for (const [key, state] of planned) this.buckets.set(key, state);
    if (++this.takes % SWEEP_EVERY === 0) this.sweep(nowMs);
    return null;
  }

  /**
   * A request outside GraphQL that writes like a mutation (POST /uploads): one token from the
   * caller's mutation bucket, the same one its mutations draw on.
   */
  checkRequest(principal: Principal): GraphQLError | null {
    if (principal.role !== 'AGENT' && principal.role !== 'INTEGRATION') return null;
    const rate = this.limits.mutations;
    if (!rate) return null;
    const key = `mutations:${principal.tokenId}`;
    const result = take(rate, this.buckets.get(key), this.clock.now().getTime(), 1);
    if (!result.allowed) return refusal('mutations', rate, 1, result.retryAfterMs);
    this.buckets.set(key, result.state);
    return null;
  }

  // A full bucket is the same as no bucket: forgetting it keeps memory bounded by active tokens.
  private sweep(nowMs: number): void {
    for (const [key, state] of this.buckets) {
      const rate = this.limits[key.slice(0, key.indexOf(':')) as Bucket];
      if (!rate || isFull(rate, state, nowMs)) this.buckets.delete(key);
    }
  }
}

function bucketOf(field: string, role: 'AGENT' | 'INTEGRATION'): Bucket {
  if (field === TYPING_FIELD) return role === 'AGENT' ? 'typing' : 'messages';
  return MESSAGE_FIELDS.has(field) ? 'messages' : 'mutations';
}

const WHAT: Record<Bucket, string> = {
  messages: 'receiveMessage, updateMessageDelivery and setTyping calls',
  mutations: 'mutations',
  typing: 'setTyping calls',
};

function refusal(kind: Bucket, rate: RateLimit, count: number, retryAfterMs: number): GraphQLError {
  const what = WHAT[kind];
  if (!Number.isFinite(retryAfterMs)) {
    return new GraphQLError(
      `One operation may hold at most ${rate.burst} ${what} for this token; this one holds ${count}. Split it.`,
      { extensions: { code: RATE_LIMITED, http: { status: 429 } } },
    );
  }
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return rateLimited(
    `Too many ${what} for this token (${rate.perSecond}/s, bursts of ${rate.burst}): nothing was done; retry in ${retryAfterSeconds} s.`,
    retryAfterSeconds,
  );
}

/** RATE_LIMITED with its retry hint, in the error and (on HTTP) as 429 with Retry-After. */
export function rateLimited(message: string, retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: RATE_LIMITED,
      retryAfterSeconds,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}

/** The root field names an operation selects, through fragments (a spread cycle is a validation error). */
function rootFields(
  document: DocumentNode,
  selectionSet: SelectionSetNode,
  seen = new Set<string>(),
): string[] {
  const names: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) names.push(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT)
      names.push(...rootFields(document, selection.selectionSet, seen));
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = document.definitions.find(
        (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value,
      );
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION)
        names.push(...rootFields(document, fragment.selectionSet, seen));
    }
  }
  return names;
}
