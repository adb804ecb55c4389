import { MongoBackend } from '@agendajs/mongo-backend';
import { PostgresBackend } from '@agendajs/postgres-backend';
import type { AgendaBackend } from 'agenda';
import type { AgendaBackend as BackendKind } from '../config/config';

export interface AgendaStorage {
  kind: BackendKind;
  /** The PostgreSQL Parley itself uses (for kind "postgres"). */
  databaseUrl: string;
  /** Required for kind "mongodb" (config validation guarantees it at start). */
  mongodbUrl?: string;
}

/**
 * Where Agenda keeps its jobs: by default the same PostgreSQL (tables agenda_jobs, agenda_logs),
 * or MongoDB as docker-compose.yml runs it.
 */
export function createAgendaBackend(storage: AgendaStorage): AgendaBackend {
  if (storage.kind === 'mongodb') {
    if (!storage.mongodbUrl) throw new Error('AGENDA_BACKEND=mongodb needs MONGODB_URL');
    return new MongoBackend({ address: storage.mongodbUrl, collection: 'agenda_jobs' });
  }
  return new PostgresBackend({ connectionString: storage.databaseUrl, poolConfig: { max: 5 } });
}
