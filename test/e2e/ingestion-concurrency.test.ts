import pg from 'pg';
import { ReceiveMessageDocument } from '../generated/operations';
import { createChannel } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let db: pg.Client;
beforeAll(async () => {
  t = await startTestApp();
  db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
});
afterAll(async () => {
  await db.end();
  await t.close();
});

const count = async (sql: string, params: unknown[]) =>
  Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);

describe('ingestion under concurrency (the database is the arbiter)', () => {
  it('50 concurrent first messages from one end user make one ticket with sequences 1..50', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.client.execute(
          ReceiveMessageDocument,
          { input: { channelId: channel.id, externalUserId: 'burst-user', body: `message ${i}` } },
          channel.token,
        ),
      ),
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const ticketIds = new Set(results.map((r) => r.data!.receiveMessage.ticket.id));
    expect(ticketIds.size).toBe(1);
    expect(results.filter((r) => r.data!.receiveMessage.ticketCreated)).toHaveLength(1);

    const [ticketId] = [...ticketIds];
    const { rows } = await db.query<{ sequence: number }>(
      'select sequence from messages where ticket_id = $1 order by sequence',
      [ticketId],
    );
    expect(rows.map((r) => r.sequence)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await count('select count(*)::text as n from end_users where channel_id = $1', [channel.id])).toBe(
      1,
    );
    expect(
      await count(
        `select count(*)::text as n from ticket_events where ticket_id = $1 and kind = 'MESSAGE_ADDED'`,
        [ticketId],
      ),
    ).toBe(50);
  });

  it('the same externalMessageId sent 20 times at once is one message; every answer is the first result', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const send = () =>
      t.client.execute(
        ReceiveMessageDocument,
        {
          input: {
            channelId: channel.id,
            externalUserId: 'retrying-user',
            body: 'hello once',
            externalMessageId: 'wamid.ABC123',
          },
        },
        channel.token,
      );
    const results = await Promise.all(Array.from({ length: 20 }, send));
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const payloads = results.map((r) => r.data!.receiveMessage);
    expect(new Set(payloads.map((p) => p.message.id)).size).toBe(1);
    expect(payloads.filter((p) => !p.duplicate)).toHaveLength(1);
    // A repeat answers what the first answered (a new ticket), flagged as a duplicate.
    expect(payloads.every((p) => p.ticketCreated && p.message.sequence === 1)).toBe(true);
    expect(await count('select count(*)::text as n from messages where channel_id = $1', [channel.id])).toBe(
      1,
    );
    expect(await count('select count(*)::text as n from tickets where channel_id = $1', [channel.id])).toBe(
      1,
    );
  });

  it('the same externalMessageId from two different end users of one channel is still one message', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.client.execute(
          ReceiveMessageDocument,
          {
            input: {
              channelId: channel.id,
              externalUserId: `user-${i % 2}`,
              body: 'hi',
              externalMessageId: 'shared-id',
            },
          },
          channel.token,
        ),
      ),
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(new Set(results.map((r) => r.data!.receiveMessage.message.id)).size).toBe(1);
    expect(await count('select count(*)::text as n from messages where channel_id = $1', [channel.id])).toBe(
      1,
    );
    // A repeat changes nothing: only the end user who sent it first exists.
    expect(await count('select count(*)::text as n from end_users where channel_id = $1', [channel.id])).toBe(
      1,
    );
  });

  it('a repeat with another display name changes nothing; a new message updates the name', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const send = (displayName: string, externalMessageId: string) =>
      t.client.ok(
        ReceiveMessageDocument,
        {
          input: {
            channelId: channel.id,
            externalUserId: 'renamed',
            body: 'hi',
            displayName,
            externalMessageId,
          },
        },
        channel.token,
      );
    await send('Dana', 'm-1');
    const name = async () =>
      (
        await db.query<{ display_name: string }>('select display_name from end_users where channel_id = $1', [
          channel.id,
        ])
      ).rows[0]!.display_name;
    expect((await send('Someone else', 'm-1')).receiveMessage.duplicate).toBe(true);
    expect(await name()).toBe('Dana');
    await send('Dana Kim', 'm-2');
    expect(await name()).toBe('Dana Kim');
  });

  it('many end users at once each get their own ticket', async () => {
    const channel = await createChannel(t, 'LIVE_CHAT');
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.client.execute(
          ReceiveMessageDocument,
          { input: { channelId: channel.id, externalUserId: `crowd-${i % 20}`, body: `hi ${i}` } },
          channel.token,
        ),
      ),
    );
    expect(await count('select count(*)::text as n from tickets where channel_id = $1', [channel.id])).toBe(
      20,
    );
    expect(await count('select count(*)::text as n from messages where channel_id = $1', [channel.id])).toBe(
      40,
    );
  });
});
