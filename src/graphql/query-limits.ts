import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  type DocumentNode,
  type GraphQLSchema,
  Kind,
  parse,
  validate,
  type ValidationRule,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import type { QueryLimits } from '../config/limits';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../services/pagination';
import { nulInLiterals, nulInVariables } from './nul-text';

export const QUERY_LIMIT_EXCEEDED = 'QUERY_LIMIT_EXCEEDED';

type LimitName = keyof QueryLimits;

/** A refusal names the limit, its value and the variable that changes it, so a client can fix its query. */
export function limitError(limit: LimitName, max: number, message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: QUERY_LIMIT_EXCEEDED, limit, max, http: { status: 400 } },
  });
}

/** What the static checks found for one query text: its document, or why it is refused. */
type Verdict =
  | {
      document: DocumentNode;
      /** Costs by operation name, kept when no operation declares variables (they cannot change). */
      fixedCosts?: Map<string, number>;
    }
  | { errors: GraphQLError[] }
  | { syntaxError: true };

const CACHE_SIZE = 1_000;

/**
 * The OWASP list of GraphQL limits, checked before anything runs, the same way for HTTP and
 * WebSocket operations: query length, then lexer tokens (the parser stops there, so a huge
 * document costs little), then depth, aliases and directives (graphql-armor's rules, the only
 * rules run at this point), then cost with the request's variables. Text no column can store
 * (U+0000, graphql/nul-text.ts) is refused at the same point.
 *
 * Why these libraries: graphql-armor's rules follow fragments and ignore introspection's
 * `__schema`; graphql-query-complexity resolves arguments and variables, which a cost made of
 * `first` needs (armor's cost limit prices a field the same whatever its `first`).
 */
export class QueryLimiter {
  private readonly staticRules: ValidationRule[];
  // Clients repeat a few queries: their static verdict is computed once (least recently used out).
  private readonly verdicts = new Map<string, Verdict>();

  constructor(
    private readonly schema: GraphQLSchema,
    readonly limits: QueryLimits,
  ) {
    this.staticRules = [
      maxDepthRule({ n: limits.maxDepth, propagateOnRejection: false, onReject: [this.collect('maxDepth')] }),
      maxAliasesRule({
        n: limits.maxAliases,
        propagateOnRejection: false,
        onReject: [this.collect('maxAliases')],
      }),
      maxDirectivesRule({
        n: limits.maxDirectives,
        propagateOnRejection: false,
        onReject: [this.collect('maxDirectives')],
      }),
    ];
  }

  // The rules report through callbacks; validate() is synchronous, so one buffer serves every call.
  private pending: GraphQLError[] = [];

  private collect(limit: LimitName) {
    return (_ctx: unknown, error: GraphQLError): void => {
      this.pending.push(limitError(limit, this.limits[limit], error.message.replace(/^Syntax Error: /, '')));
    };
  }

  /**
   * The refusals for this operation, [] when it is within every limit. A query that does not
   * parse for another reason is left to the normal pipeline, which reports it as a syntax error.
   */
  check(query: string, variables: Record<string, unknown> | null | undefined, operationName?: string | null) {
    const verdict = this.verdict(query);
    if ('errors' in verdict) return verdict.errors;
    if ('syntaxError' in verdict) return [];
    const nul = nulInVariables(variables);
    if (nul) return [nul];
    let cost = verdict.fixedCosts?.get(operationName ?? '');
    if (cost === undefined) {
      cost = this.cost(verdict.document, variables ?? undefined, operationName ?? undefined);
      verdict.fixedCosts?.set(operationName ?? '', cost);
    }
    if (cost > this.limits.maxCost) {
      return [
        limitError(
          'maxCost',
          this.limits.maxCost,
          `Query cost limit of ${this.limits.maxCost} exceeded, found ${cost}: ask for fewer items (first) or fewer nested lists.`,
        ),
      ];
    }
    return [];
  }

  /** The parsed document of a query check() accepted (cached), for a transport that runs it itself. */
  document(query: string): DocumentNode | undefined {
    const verdict = this.verdicts.get(query);
    return verdict && 'document' in verdict ? verdict.document : undefined;
  }

  private verdict(query: string): Verdict {
    const cached = this.verdicts.get(query);
    if (cached) {
      this.verdicts.delete(query);
      this.verdicts.set(query, cached);
      return cached;
    }
    const verdict = this.judge(query);
    this.verdicts.set(query, verdict);
    if (this.verdicts.size > CACHE_SIZE) this.verdicts.delete(this.verdicts.keys().next().value as string);
    return verdict;
  }

  private judge(query: string): Verdict {
    const { maxQueryLength, maxTokens } = this.limits;
    if (query.length > maxQueryLength) {
      return {
        errors: [
          limitError(
            'maxQueryLength',
            maxQueryLength,
            `Query length limit of ${maxQueryLength} characters exceeded, found ${query.length}.`,
          ),
        ],
      };
    }
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens });
    } catch (err) {
      if (err instanceof GraphQLError && /contains more tha[nt] \d+ tokens/.test(err.message)) {
        return {
          errors: [limitError('maxTokens', maxTokens, `Query token limit of ${maxTokens} exceeded.`)],
        };
      }
      return { syntaxError: true };
    }
    this.pending = [];
    validate(this.schema, document, this.staticRules);
    const errors = this.pending;
    this.pending = [];
    if (errors.length > 0) return { errors };
    const nul = nulInLiterals(document);
    if (nul) return { errors: [nul] };
    const takesVariables = document.definitions.some(
      (d) => d.kind === Kind.OPERATION_DEFINITION && (d.variableDefinitions?.length ?? 0) > 0,
    );
    return takesVariables ? { document } : { document, fixedCosts: new Map() };
  }

  private cost(document: DocumentNode, variables?: Record<string, unknown>, operationName?: string): number {
    try {
      return getComplexity({
        schema: this.schema,
        query: document,
        variables,
        operationName,
        estimators: [estimate],
      });
    } catch {
      // Variables that do not fit the operation: execution refuses them with a clear error, and
      // nothing runs, so there is no cost to guard.
      return 0;
    }
  }
}

/**
 * One per field; a field with `first` or `last` (a page) multiplies what is under it by the page
 * size it asks for (the argument's default, else the server's default page size, when absent).
 * Other lists (agents, channels, skills) count once: their length is the deployment's size, not
 * something a caller can inflate.
 */
const estimate: ComplexityEstimator = ({ field, args, childComplexity }) => {
  const paged = field.args.filter((a) => a.name === 'first' || a.name === 'last');
  if (paged.length === 0) return 1 + childComplexity;
  const sizes = paged.map((a) => args[a.name]).filter((n): n is number => typeof n === 'number');
  const size = sizes.length > 0 ? Math.max(...sizes) : DEFAULT_PAGE_SIZE;
  return 1 + Math.max(0, Math.min(size, MAX_PAGE_SIZE)) * childComplexity;
};
