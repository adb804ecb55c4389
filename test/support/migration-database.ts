import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { ormConfig } from '../../src/db/orm.config';
import { createTestDatabase } from './test-database';

/**
 * A fresh database for a migration's test (test/db/*-migration.test.ts): the test takes it up to the
 * migration before the one it checks, writes a history, then migrates. The rows are written in plain
 * SQL because the entities describe the newest schema, not the one the rows go into; the columns
 * written here are in every schema since Migration20261127200000_routing.
 */
export interface MigrationDatabase {
  url: string;
  orm: MikroORM;
  /** A connection of its own, for the test's SQL. */
  client: pg.Client;
  /** The first row the statement returns. */
  one<T>(sql: string, params?: unknown[]): Promise<T>;
  /** The first of the conversation styles the migrations seed. */
  styleId(): Promise<string>;
  /** ticket_change_kind's values, in their order (a migration adding a kind puts it last). */
  changeKinds(): Promise<string[]>;
  channel(name: string, styleId: string): Promise<string>;
  endUser(channelId: string, externalId: string): Promise<string>;
  agent(name: string): Promise<string>;
  ticket(row: {
    status: string;
    channelId: string;
    styleId: string;
    requesterId: string;
    assigneeId: string | null;
    offeredToId?: string | null;
  }): Promise<string>;
  close(): Promise<void>;
}

export async function openMigrationDatabase(): Promise<MigrationDatabase> {
  const db = await createTestDatabase();
  const orm = await MikroORM.init(ormConfig(db.url, { logger: () => undefined }));
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();

  async function one<T>(sql: string, params: unknown[] = []): Promise<T> {
    const { rows } = await client.query(sql, params);
    return rows[0] as T;
  }
  const id = async (sql: string, params: unknown[] = []) => (await one<{ id: string }>(sql, params)).id;

  return {
    url: db.url,
    orm,
    client,
    one,
    styleId: () => id('select id from conversation_styles order by name limit 1'),
    changeKinds: async () =>
      (
        await client.query<{ label: string }>(
          `select e.enumlabel as label from pg_enum e join pg_type t on t.oid = e.enumtypid
            where t.typname = 'ticket_change_kind' order by e.enumsortorder`,
        )
      ).rows.map((r) => r.label),
    channel: (name, styleId) =>
      id(
        `insert into channels (id, kind, name, style_id, required_skills, created_at, updated_at)
         values (gen_random_uuid(), 'WEB_WIDGET', $1, $2, '{}', now(), now()) returning id`,
        [name, styleId],
      ),
    endUser: (channelId, externalId) =>
      id(
        `insert into end_users (id, channel_id, external_id, created_at)
         values (gen_random_uuid(), $1, $2, now()) returning id`,
        [channelId, externalId],
      ),
    agent: (name) =>
      id(
        `insert into agents (id, name, email, skills, created_at, updated_at)
         values (gen_random_uuid(), $1, $2, '{}', now(), now()) returning id`,
        [name, `${name}@example.com`],
      ),
    ticket: (row) =>
      id(
        `insert into tickets (id, status, channel_id, style_id, requester_id, assignee_id, offered_to_id,
           required_skills, created_at, updated_at, waiting_since)
         values (gen_random_uuid(), $1, $2, $3, $4, $5, $6, '{}', now(), now(), now()) returning id`,
        [row.status, row.channelId, row.styleId, row.requesterId, row.assigneeId, row.offeredToId ?? null],
      ),
    async close() {
      await client.end();
      await orm.close();
      await db.drop();
    },
  };
}
