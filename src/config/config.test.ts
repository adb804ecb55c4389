import path from 'node:path';
import { ConfigError, loadConfig } from './config';

const CWD = '/srv/parley';
const load = (env: Record<string, string>) => loadConfig(env, CWD);
const GOOD_TOKEN = 'x'.repeat(32);

describe('loadConfig', () => {
  it('has defaults for development', () => {
    expect(load({})).toEqual({
      nodeEnv: 'development',
      port: 4000,
      databaseUrl: undefined,
      dataDir: path.join(CWD, '.parley-data'),
      adminToken: undefined,
      agendaBackend: 'postgres',
      mongodbUrl: undefined,
      logLevel: 'info',
      introspection: true,
      eventTransport: 'postgres',
    });
  });

  it('reads every variable', () => {
    expect(
      load({
        NODE_ENV: 'production',
        PORT: '8080',
        DATABASE_URL: 'postgres://u:p@db:5432/parley',
        PARLEY_DATA_DIR: '/var/lib/parley',
        ADMIN_TOKEN: GOOD_TOKEN,
        AGENDA_BACKEND: 'mongodb',
        MONGODB_URL: 'mongodb://mongo:27017/parley',
        LOG_LEVEL: 'warn',
        PARLEY_INTROSPECTION: 'true',
        PARLEY_EVENT_TRANSPORT: 'memory',
      }),
    ).toEqual({
      nodeEnv: 'production',
      port: 8080,
      databaseUrl: 'postgres://u:p@db:5432/parley',
      dataDir: '/var/lib/parley',
      adminToken: GOOD_TOKEN,
      agendaBackend: 'mongodb',
      mongodbUrl: 'mongodb://mongo:27017/parley',
      logLevel: 'warn',
      introspection: true,
      eventTransport: 'memory',
    });
  });

  it('turns introspection off in production unless asked', () => {
    expect(load({ NODE_ENV: 'production', ADMIN_TOKEN: GOOD_TOKEN }).introspection).toBe(false);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ NODE_ENV: 'production' }, 'ADMIN_TOKEN'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'],
    [{ AGENDA_BACKEND: 'redis' }, 'AGENDA_BACKEND'],
    [{ AGENDA_BACKEND: 'mongodb' }, 'MONGODB_URL'],
    [{ MONGODB_URL: 'http://mongo' }, 'MONGODB_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ PARLEY_INTROSPECTION: 'maybe' }, 'PARLEY_INTROSPECTION'],
    [{ PARLEY_EVENT_TRANSPORT: 'kafka' }, 'PARLEY_EVENT_TRANSPORT'],
  ])('refuses %p, naming %s', (env, variable) => {
    let error: unknown;
    try {
      load(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toContain(variable);
  });
});
