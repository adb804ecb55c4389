import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app';
import type { AttachmentConfig, WebhookConfig } from '../../src/config/config';
import type { Limits } from '../../src/config/limits';
import { ManualClock, type Clock } from '../../src/domain/clock';
import { createLogger, type Logger } from '../../src/observability/logger';
import { GraphQLClient } from './graphql-client';
import { createTestDatabase, snapshotDatabase, type TestDatabase } from './test-database';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';

export interface TestApp<C extends Clock = ManualClock> {
  app: App;
  db: TestDatabase;
  /** A ManualClock unless the test passed another clock (the system clock, for real-time tests). */
  clock: C;
  client: GraphQLClient;
  httpUrl: string;
  wsUrl: string;
  adminToken: string;
  /** Where this app's uploads are stored (a fresh temporary folder unless the test gave one). */
  uploadDir: string;
  snapshot(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** The real server (createApp) on its own fresh database, listening on a free port. */
export async function startTestApp<C extends Clock = ManualClock>(
  options: {
    db?: TestDatabase;
    clock?: C;
    scheduler?: { processEveryMs?: number; sweepEveryMs?: number };
    agenda?: { kind: 'postgres' | 'mongodb'; mongodbUrl?: string };
    /** Production's limits unless replaced here (suites that hammer one token lift the rate limits). */
    limits?: Partial<Limits>;
    /** 'test' unless a test checks what production hides. */
    nodeEnv?: 'test' | 'production';
    /** Silent unless LOG_LEVEL says otherwise; a test reading the log passes its own. */
    logger?: Logger;
    metricsToken?: string;
    /** The webhook settings (PARLEY_WEBHOOK_*): each given replaces its default. */
    webhooks?: Partial<WebhookConfig>;
    /** Uploads' folder and links; each given replaces its default. */
    attachments?: Partial<AttachmentConfig>;
  } = {},
): Promise<TestApp<C>> {
  const db = options.db ?? (await createTestDatabase());
  const clock = options.clock ?? (new ManualClock('2026-03-01T09:00:00.000Z') as unknown as C);
  const uploadDir = options.attachments?.dir ?? mkdtempSync(join(tmpdir(), 'parley-test-uploads-'));
  const app = await createApp({
    databaseUrl: db.url,
    adminToken: TEST_ADMIN_TOKEN,
    nodeEnv: options.nodeEnv ?? 'test',
    introspection: options.nodeEnv !== 'production',
    logger: options.logger ?? createLogger((process.env.LOG_LEVEL as 'silent' | undefined) ?? 'silent'),
    metricsToken: options.metricsToken,
    clock,
    scheduler: options.scheduler,
    agenda: options.agenda,
    limits: options.limits,
    webhooks: options.webhooks,
    attachments: { ...options.attachments, dir: uploadDir },
  });
  const address = await app.listen(0, '127.0.0.1');
  return {
    app,
    db,
    clock,
    client: new GraphQLClient(app.httpServer as Server),
    httpUrl: `http://127.0.0.1:${address.port}/graphql`,
    wsUrl: `ws://127.0.0.1:${address.port}/graphql`,
    adminToken: TEST_ADMIN_TOKEN,
    uploadDir,
    snapshot: () => snapshotDatabase(db.url),
    close: async () => {
      await app.stop();
      if (!options.db) await db.drop();
      if (!options.attachments?.dir) rmSync(uploadDir, { recursive: true, force: true });
    },
  };
}
