import { DomainError } from '../errors';
import { TicketPriority } from '../ticket/ticket.enums';
import { Weekday } from './business-time';
import {
  canonicalZone,
  type SlaPolicyInput,
  type SlaPolicySettings,
  validateNewSlaPolicy,
  validateSlaPolicyUpdate,
} from './sla-policy.rules';

const NOW = new Date('2026-03-02T12:00:00Z');
const CHANNEL = '0b8e7a34-5d1c-4f5e-9a2b-3c4d5e6f7a8b';
const OFFICE = {
  timeZone: 'America/New_York',
  weekly: [
    { day: Weekday.MONDAY, start: '09:00', end: '17:00' },
    { day: Weekday.TUESDAY, start: '09:00', end: '17:00' },
  ],
};

function refusal(run: () => unknown): { field: string | undefined; message: string } {
  try {
    run();
  } catch (err) {
    if (err instanceof DomainError && err.code === 'BAD_USER_INPUT')
      return { field: err.field, message: err.message };
    throw err;
  }
  throw new Error('not refused');
}

describe('validateNewSlaPolicy', () => {
  it('normalises a full input', () => {
    expect(
      validateNewSlaPolicy(
        {
          name: '  VIP  ',
          position: 3,
          priorities: [TicketPriority.URGENT, TicketPriority.URGENT, TicketPriority.HIGH],
          channelIds: [CHANNEL.toUpperCase(), CHANNEL],
          firstReplySeconds: 600,
          resolutionSeconds: 86_400,
          businessHours: {
            timeZone: 'america/new_york',
            weekly: [
              { day: Weekday.MONDAY, start: '09:00', end: '12:00' },
              { day: Weekday.MONDAY, start: '12:00', end: '24:00' },
            ],
            holidays: ['2026-12-25', '2026-01-01', '2026-12-25'],
          },
        },
        7,
        NOW,
      ),
    ).toStrictEqual({
      name: 'VIP',
      position: 3,
      priorities: [TicketPriority.URGENT, TicketPriority.HIGH],
      channelIds: [CHANNEL],
      firstReplySeconds: 600,
      nextReplySeconds: null,
      resolutionSeconds: 86_400,
      businessHours: {
        timeZone: 'America/New_York',
        weekly: [
          { day: Weekday.MONDAY, start: '09:00', end: '12:00' },
          { day: Weekday.MONDAY, start: '12:00', end: '24:00' },
        ],
        holidays: ['2026-01-01', '2026-12-25'],
      },
    });
  });

  it('puts a policy without a position after the last one; empty lists mean any', () => {
    expect(validateNewSlaPolicy({ name: 'All', nextReplySeconds: 60 }, 4, NOW)).toMatchObject({
      position: 4,
      priorities: [],
      channelIds: [],
      businessHours: null,
    });
  });

  const base: SlaPolicyInput = { name: 'P', firstReplySeconds: 60 };
  it.each<[string, SlaPolicyInput, string]>([
    ['a blank name', { ...base, name: '   ' }, 'input.name'],
    ['a negative position', { ...base, position: -1 }, 'input.position'],
    ['negative seconds', { ...base, firstReplySeconds: -5 }, 'input.firstReplySeconds'],
    ['zero seconds', { ...base, nextReplySeconds: 0 }, 'input.nextReplySeconds'],
    ['more than a year', { ...base, resolutionSeconds: 31_536_001 }, 'input.resolutionSeconds'],
    ['no target at all', { name: 'P' }, 'input.firstReplySeconds'],
    ['a channel id that is no id', { ...base, channelIds: [CHANNEL, 'web'] }, 'input.channelIds[1]'],
    [
      'an unknown time zone',
      { ...base, businessHours: { ...OFFICE, timeZone: 'Mars/Olympus_Mons' } },
      'input.businessHours.timeZone',
    ],
    [
      'a fixed offset for a zone',
      { ...base, businessHours: { ...OFFICE, timeZone: '+09:00' } },
      'input.businessHours.timeZone',
    ],
    ['no interval', { ...base, businessHours: { ...OFFICE, weekly: [] } }, 'input.businessHours.weekly'],
    [
      '25:00',
      {
        ...base,
        businessHours: {
          ...OFFICE,
          weekly: [...OFFICE.weekly, { day: Weekday.FRIDAY, start: '09:00', end: '25:00' }],
        },
      },
      'input.businessHours.weekly[2].end',
    ],
    [
      'a start of 9:0',
      {
        ...base,
        businessHours: { ...OFFICE, weekly: [{ day: Weekday.FRIDAY, start: '9:0', end: '17:00' }] },
      },
      'input.businessHours.weekly[0].start',
    ],
    [
      'a start of 24:00',
      {
        ...base,
        businessHours: { ...OFFICE, weekly: [{ day: Weekday.FRIDAY, start: '24:00', end: '24:00' }] },
      },
      'input.businessHours.weekly[0].start',
    ],
    [
      'an interval ending before it starts',
      {
        ...base,
        businessHours: { ...OFFICE, weekly: [{ day: Weekday.FRIDAY, start: '17:00', end: '09:00' }] },
      },
      'input.businessHours.weekly[0].end',
    ],
    [
      'midnight written as 00:00',
      {
        ...base,
        businessHours: { ...OFFICE, weekly: [{ day: Weekday.FRIDAY, start: '20:00', end: '00:00' }] },
      },
      'input.businessHours.weekly[0].end',
    ],
    [
      'an empty interval',
      {
        ...base,
        businessHours: { ...OFFICE, weekly: [{ day: Weekday.FRIDAY, start: '09:00', end: '09:00' }] },
      },
      'input.businessHours.weekly[0].end',
    ],
    [
      'overlapping intervals on one day',
      {
        ...base,
        businessHours: {
          ...OFFICE,
          weekly: [...OFFICE.weekly, { day: Weekday.MONDAY, start: '16:00', end: '18:00' }],
        },
      },
      'input.businessHours.weekly[2]',
    ],
    [
      'a holiday that does not exist',
      { ...base, businessHours: { ...OFFICE, holidays: ['2026-12-25', '2026-02-30'] } },
      'input.businessHours.holidays[1]',
    ],
    [
      'a holiday in another format',
      { ...base, businessHours: { ...OFFICE, holidays: ['25/12/2026'] } },
      'input.businessHours.holidays[0]',
    ],
    [
      'a target these hours cannot hold within five years',
      {
        name: 'P',
        resolutionSeconds: 31_536_000,
        businessHours: { timeZone: 'UTC', weekly: [{ day: Weekday.MONDAY, start: '09:00', end: '09:01' }] },
      },
      'input.resolutionSeconds',
    ],
  ])('refuses %s', (_name, input, field) => {
    expect(refusal(() => validateNewSlaPolicy(input, 0, NOW)).field).toBe(field);
  });
});

describe('validateSlaPolicyUpdate', () => {
  const current: SlaPolicySettings = validateNewSlaPolicy(
    { name: 'P', position: 2, firstReplySeconds: 60, resolutionSeconds: 3600, businessHours: OFFICE },
    0,
    NOW,
  );

  it('keeps what is omitted; null clears a target or the business hours', () => {
    expect(
      validateSlaPolicyUpdate(current, { firstReplySeconds: null, businessHours: null, position: 0 }, NOW),
    ).toStrictEqual({ ...current, firstReplySeconds: null, businessHours: null, position: 0 });
  });

  it.each<[string, SlaPolicyInput, string]>([
    ['a null name', { name: null }, 'input.name'],
    ['a null position', { position: null }, 'input.position'],
    ['null priorities', { priorities: null }, 'input.priorities'],
    ['null channels', { channelIds: null }, 'input.channelIds'],
    [
      'clearing the last targets',
      { firstReplySeconds: null, resolutionSeconds: null },
      'input.firstReplySeconds',
    ],
    ['negative seconds', { nextReplySeconds: -1 }, 'input.nextReplySeconds'],
    [
      'an unknown time zone',
      { businessHours: { ...OFFICE, timeZone: 'Europe/Atlantis' } },
      'input.businessHours.timeZone',
    ],
  ])('refuses %s', (_name, input, field) => {
    expect(refusal(() => validateSlaPolicyUpdate(current, input, NOW)).field).toBe(field);
  });
});

describe('canonicalZone', () => {
  it.each<[string, string | null]>([
    ['America/New_York', 'America/New_York'],
    ['asia/seoul', 'Asia/Seoul'],
    ['UTC', 'UTC'],
    ['Mars/Olympus_Mons', null],
    ['+09:00', null],
    ['', null],
  ])('%j → %j', (name, canonical) => {
    expect(canonicalZone(name)).toBe(canonical);
  });
});
