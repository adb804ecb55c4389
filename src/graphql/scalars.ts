import { DateTimeResolver } from 'graphql-scalars';

/** The contract's `scalar DateTime`: ISO-8601 with offset, always emitted in UTC. */
export const DateTimeScalar = DateTimeResolver;
