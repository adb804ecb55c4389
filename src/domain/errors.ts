/**
 * The refusals the API promises (docs/domain.md "Refusals": every refused request says why in extensions.code).
 * Domain and service code throw these; the GraphQL adapter copies `code` into extensions.code.
 */
export type DomainErrorCode =
  | 'BAD_USER_INPUT'
  | 'ILLEGAL_TRANSITION'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  // A subscription ended because its subscriber stopped reading (docs/domain.md "The event stream").
  | 'LAGGING';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** The input field at fault, when there is one (e.g. "input.email"). */
    readonly field?: string,
    /** More for the client, copied into extensions (e.g. where a LAGGING subscriber resumes). */
    readonly details?: Readonly<Record<string, string | number>>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (field: string, message: string): DomainError =>
  new DomainError('BAD_USER_INPUT', message, field);

export const notFound = (what: string, id: string): DomainError =>
  new DomainError('NOT_FOUND', `${what} ${JSON.stringify(id)} does not exist`);

export const forbidden = (message: string): DomainError => new DomainError('FORBIDDEN', message);

export const unauthenticated = (message: string): DomainError => new DomainError('UNAUTHENTICATED', message);
