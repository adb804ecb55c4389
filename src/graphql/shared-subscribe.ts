import {
  GraphQLError,
  createSourceEventStream,
  execute,
  print,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import type { GraphQLContext } from './context';
import { createLoaders } from './loaders';
import { DomainError } from '../domain/errors';

/**
 * graphql-js's `subscribe`, except that an event's selection is executed once per event and distinct
 * subscription, not once per subscriber. A thousand dashboards watching one ticket with the same
 * document, variables and principal share one execution of each message; only the framing and
 * the socket write stay per subscriber.
 *
 * Sharing is sound because an execution over a pushed event depends only on the event, the
 * document and variables, and who is asking (field-level authorization); the subscribe step that
 * checks access and filters events still runs per subscriber.
 */
export async function sharedSubscribe(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream;
  const key = shareKey(args);
  return mapEvents(
    stream[Symbol.asyncIterator](),
    (event) =>
      executeOnce(event, key, () =>
        execute({
          ...args,
          rootValue: event,
          contextValue: forOneEvent(args.contextValue as GraphQLContext),
        }),
      ),
    endedWith,
  );
}

/**
 * Loaders that batch and cache for one event's execution only: the subscription's context lives as
 * long as the subscription, and a cache there would serve later events the data of the first.
 */
function forOneEvent(context: GraphQLContext): GraphQLContext {
  return { ...context, loaders: createLoaders(context.services, { cache: true }) };
}

// One entry per event object; it goes when the event is no longer referenced by any queue.
const executions = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();

function executeOnce(
  event: unknown,
  key: string,
  run: () => ExecutionResult | Promise<ExecutionResult>,
): Promise<ExecutionResult> {
  if (typeof event !== 'object' || event === null) return Promise.resolve(run());
  let byKey = executions.get(event);
  if (!byKey) executions.set(event, (byKey = new Map()));
  let result = byKey.get(key);
  if (!result) byKey.set(key, (result = Promise.resolve(run())));
  return result;
}

const printed = new WeakMap<DocumentNode, string>();

function shareKey(args: ExecutionArgs): string {
  let document = printed.get(args.document);
  if (document === undefined) printed.set(args.document, (document = print(args.document)));
  const { principal } = args.contextValue as GraphQLContext;
  const who =
    principal.role === 'AGENT'
      ? `AGENT:${principal.agentId}`
      : principal.role === 'INTEGRATION'
        ? `INTEGRATION:${principal.channelId}`
        : principal.role;
  return JSON.stringify([who, args.operationName ?? null, args.variableValues ?? null, document]);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * A stream that ends with a refusal (a LAGGING subscriber) sends it as its last result, errors
 * only, before it completes: graphql-ws has no other way to end one operation with an error, and a
 * client then knows why it ended and where to resume.
 */
function endedWith(err: unknown): ExecutionResult | undefined {
  if (!(err instanceof DomainError)) return undefined;
  return { errors: [new GraphQLError(err.message, { originalError: err })] };
}

/**
 * Maps an event stream; an error from the source that `ended` turns into a last result ends it
 * with that result. Written out, not as an async generator: a generator's return() waits behind a
 * pending next(), which would keep an unsubscribed listener on the bus until the next event.
 */
function mapEvents<T, R>(
  source: AsyncIterator<T>,
  map: (value: T) => Promise<R>,
  ended: (err: unknown) => R | undefined,
): AsyncIterableIterator<R> {
  let finished = false;
  const close = async (): Promise<IteratorResult<R>> => {
    finished = true;
    await source.return?.();
    return { value: undefined, done: true };
  };
  return {
    async next() {
      if (finished) return { value: undefined, done: true };
      let step: IteratorResult<T>;
      try {
        step = await source.next();
      } catch (err) {
        const last = ended(err);
        if (last === undefined) throw err;
        await close();
        return { value: last, done: false };
      }
      if (step.done) return { value: undefined, done: true };
      try {
        return { value: await map(step.value), done: false };
      } catch (err) {
        await close();
        throw err;
      }
    },
    return: close,
    async throw(err: unknown) {
      await close();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
