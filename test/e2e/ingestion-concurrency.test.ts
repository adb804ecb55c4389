import pg from 'pg';
import { ReceiveMessageDocument } from '../generated/operations';
import { createChannel } from '../support/fixtures';
import { errorCodes } from '../support/graphql-client';
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

  it("an externalMessageId first used for another end user is BAD_USER_INPUT naming it; the first user's retry is a duplicate", async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const send = (externalUserId: string) =>
      t.client.execute(
        ReceiveMessageDocument,
        { input: { channelId: channel.id, externalUserId, body: 'hi', externalMessageId: 'reused-id' } },
        channel.token,
      );
    const first = (await send('first-user')).data!.receiveMessage;
    expect(first.duplicate).toBe(false);
    // The second user both new and, below, with an open ticket of their own.
    for (const step of ['new end user', 'end user with an open ticket']) {
      if (step === 'end user with an open ticket') {
        await t.client.ok(
          ReceiveMessageDocument,
          { input: { channelId: channel.id, externalUserId: 'second-user', body: 'earlier' } },
          channel.token,
        );
      }
      await t.app.services.events.settle();
      const before = await t.snapshot();
      const refused = await send('second-user');
      expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
      const [error] = refused.errors!;
      expect(error!.extensions?.field).toBe('input.externalMessageId');
      expect(error!.message).toMatch(/already used .*for another end user/);
      // Nothing of the first end user leaks.
      for (const secret of ['first-user', first.ticket.id, first.message.id, first.ticket.requester.id]) {
        expect(JSON.stringify(refused.errors)).not.toContain(secret);
      }
      expect(await t.snapshot()).toEqual(before);
    }
    // A true retry still answers the first result.
    const retry = (await send('first-user')).data!.receiveMessage;
    expect(retry).toMatchObject({ duplicate: true, message: { id: first.message.id } });
  });

  it('the same externalMessageId from two end users at once: one is accepted, the other refused, nothing of it written', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    // Existing end users with open tickets, and new ones, each racing for one id per round.
    await Promise.all(
      ['known-a', 'known-b'].map((externalUserId) =>
        t.client.ok(
          ReceiveMessageDocument,
          { input: { channelId: channel.id, externalUserId, body: 'earlier' } },
          channel.token,
        ),
      ),
    );
    for (let round = 0; round < 10; round++) {
      const users = round % 2 === 0 ? ['known-a', 'known-b'] : [`new-a-${round}`, `new-b-${round}`];
      const externalMessageId = `race-${round}`;
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          t.client.execute(
            ReceiveMessageDocument,
            {
              input: { channelId: channel.id, externalUserId: users[i % 2]!, body: 'hi', externalMessageId },
            },
            channel.token,
          ),
        ),
      );
      const accepted = results.filter((r) => !r.errors);
      const refused = results.filter((r) => r.errors);
      // The winner's five requests answer the one message; the loser's five are refused.
      expect(new Set(accepted.map((r) => r.data!.receiveMessage.message.id)).size).toBe(1);
      expect(accepted.filter((r) => !r.data!.receiveMessage.duplicate)).toHaveLength(1);
      expect(refused.flatMap((r) => errorCodes(r))).toEqual(Array(5).fill('BAD_USER_INPUT'));
      expect(refused.map((r) => r.errors![0]!.extensions?.field)).toEqual(
        Array(5).fill('input.externalMessageId'),
      );
      expect(accepted).toHaveLength(5);
      const { rows } = await db.query<{ external_id: string }>(
        `select u.external_id from messages m
           join tickets tk on tk.id = m.ticket_id join end_users u on u.id = tk.requester_id
          where m.channel_id = $1 and m.external_id = $2`,
        [channel.id, externalMessageId],
      );
      expect(rows).toHaveLength(1);
      const loser = users.find((u) => u !== rows[0]!.external_id)!;
      // A new end user whose message was refused was not created either.
      expect(
        await count('select count(*)::text as n from end_users where channel_id = $1 and external_id = $2', [
          channel.id,
          loser,
        ]),
      ).toBe(loser.startsWith('new-') ? 0 : 1);
    }
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
