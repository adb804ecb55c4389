import { MikroORM } from '@mikro-orm/postgresql';
import { migrationsList } from '../../migrations';
import { migrate } from '../../src/db/migrate';
import { ormConfig } from '../../src/db/orm.config';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(() => db.drop());

describe('migrations', () => {
  it('leave the database exactly as the entities describe it', async () => {
    const orm = await MikroORM.init(ormConfig(db.url, { logger: () => undefined }));
    try {
      await migrate(orm, db.url);
      const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
    } finally {
      await orm.close();
    }
  });

  it('run once when several processes start on one database at the same time', async () => {
    const orms = await Promise.all(
      Array.from({ length: 4 }, () => MikroORM.init(ormConfig(db.url, { logger: () => undefined }))),
    );
    try {
      await Promise.all(orms.map((orm) => migrate(orm, db.url)));
      const connection = orms[0]!.em.getConnection();
      const applied = await connection.execute<{ n: string }[]>(
        'select count(*)::text as n from mikro_orm_migrations',
      );
      expect(Number(applied[0]!.n)).toBe(migrationsList.length);
      const styles = await connection.execute<{ n: string }[]>(
        'select count(*)::text as n from conversation_styles',
      );
      expect(Number(styles[0]!.n)).toBe(3);
    } finally {
      await Promise.all(orms.map((orm) => orm.close()));
    }
  });
});
