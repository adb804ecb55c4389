import { databaseFault } from './availability';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('databaseFault', () => {
  it.each<[string, unknown, ReturnType<typeof databaseFault>]>([
    ['connection refused', withCode('ECONNREFUSED'), 'UNAVAILABLE'],
    ['connection reset', withCode('ECONNRESET'), 'UNAVAILABLE'],
    ['admin shutdown (pg_terminate_backend)', withCode('57P01', 'terminating connection'), 'UNAVAILABLE'],
    ['starting up', withCode('57P03'), 'UNAVAILABLE'],
    ['too many connections', withCode('53300'), 'UNAVAILABLE'],
    ['a connection exception (class 08)', withCode('08006'), 'UNAVAILABLE'],
    ['MikroORM wrapping a lost connection', { name: 'ConnectionException', message: 'x' }, 'UNAVAILABLE'],
    [
      'the pool gave up',
      Object.assign(new Error('Timeout acquiring a connection.'), { name: 'KnexTimeoutError' }),
      'UNAVAILABLE',
    ],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly'), 'UNAVAILABLE'],
    ['pg: connect timeout', new Error('timeout exceeded when trying to connect'), 'UNAVAILABLE'],
    ['pg: client-side query timeout (a frozen server)', new Error('Query read timeout'), 'UNAVAILABLE'],
    [
      'knex: a transaction whose connection broke',
      new Error('Transaction query already complete, run with DEBUG=knex:tx for more info'),
      'UNAVAILABLE',
    ],
    ['wrapped in a cause', new Error('outer', { cause: withCode('ECONNREFUSED') }), 'UNAVAILABLE'],
    ['a statement timeout', withCode('57014', 'canceling statement due to statement timeout'), 'TIMED_OUT'],
    ['a lock timeout', withCode('55P03', 'canceling statement due to lock timeout'), 'TIMED_OUT'],
    ['a unique violation', withCode('23505'), null],
    ['a deadlock', withCode('40P01'), null],
    ['a plain bug', new TypeError('x is undefined'), null],
    ['not an error', 'ECONNREFUSED', null],
    ['nothing', undefined, null],
  ])('%s', (_name, err, fault) => {
    expect(databaseFault(err)).toBe(fault);
  });
});
