import { DateTime, IANAZone } from 'luxon';
import { badInput } from '../errors';
import { normalizeName, rejectNull } from '../text';
import type { TicketPriority } from '../ticket/ticket.enums';
import {
  addBusinessSeconds,
  type BusinessHours,
  type BusinessHoursInterval,
  clockMinutes,
  type Weekday,
} from './business-time';

/**
 * docs/domain.md "SLA": what an SLA policy may hold. Every refusal is BAD_USER_INPUT naming the
 * field at fault, down to the interval or holiday (`input.businessHours.weekly[2].end`).
 */

/** A year: a longer target is a typo, and the due time of one must stay findable. */
export const MAX_SLA_TARGET_SECONDS = 31_536_000;
export const MAX_SLA_POSITION = 1_000_000;
export const MAX_SLA_CHANNELS = 100;
export const MAX_BUSINESS_HOURS_INTERVALS = 50;
export const MAX_HOLIDAYS = 1_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const TARGET_FIELDS = ['firstReplySeconds', 'nextReplySeconds', 'resolutionSeconds'] as const;

export interface BusinessHoursInput {
  readonly timeZone: string;
  readonly weekly: readonly { readonly day: Weekday; readonly start: string; readonly end: string }[];
  readonly holidays?: readonly string[] | null;
}

/** createSlaPolicy's input; updateSlaPolicy's is the same with every field optional. */
export interface SlaPolicyInput {
  readonly name?: string | null;
  readonly position?: number | null;
  readonly priorities?: readonly TicketPriority[] | null;
  readonly channelIds?: readonly string[] | null;
  readonly firstReplySeconds?: number | null;
  readonly nextReplySeconds?: number | null;
  readonly resolutionSeconds?: number | null;
  readonly businessHours?: BusinessHoursInput | null;
}

/** A policy's settings, checked and normalised. */
export interface SlaPolicySettings {
  readonly name: string;
  readonly position: number;
  readonly priorities: readonly TicketPriority[];
  /** Lower-cased; the service checks that each names a channel. */
  readonly channelIds: readonly string[];
  readonly firstReplySeconds: number | null;
  readonly nextReplySeconds: number | null;
  readonly resolutionSeconds: number | null;
  readonly businessHours: BusinessHours | null;
}

/**
 * A new policy's settings. `nextPosition` is where an omitted position puts it (after the last
 * policy); `now` is when its targets must be reachable from.
 */
export function validateNewSlaPolicy(
  input: SlaPolicyInput,
  nextPosition: number,
  now: Date,
): SlaPolicySettings {
  const name = rejectNull('input.name', input.name);
  if (name === undefined) throw badInput('input.name', 'input.name is required');
  return checkTargets(
    {
      name: normalizeName('input.name', name),
      position: input.position == null ? nextPosition : validatePosition(input.position),
      priorities: [...new Set(input.priorities ?? [])],
      channelIds: normalizeChannelIds(input.channelIds ?? []),
      firstReplySeconds: validateTargetSeconds('input.firstReplySeconds', input.firstReplySeconds ?? null),
      nextReplySeconds: validateTargetSeconds('input.nextReplySeconds', input.nextReplySeconds ?? null),
      resolutionSeconds: validateTargetSeconds('input.resolutionSeconds', input.resolutionSeconds ?? null),
      businessHours:
        input.businessHours == null
          ? null
          : normalizeBusinessHours('input.businessHours', input.businessHours),
    },
    now,
  );
}

/**
 * A policy's settings after an update: omitted fields keep their value; null clears a target or
 * the business hours, and is refused where nothing can be cleared (name, position, the lists).
 */
export function validateSlaPolicyUpdate(
  current: SlaPolicySettings,
  input: SlaPolicyInput,
  now: Date,
): SlaPolicySettings {
  const name = rejectNull('input.name', input.name);
  const position = rejectNull('input.position', input.position);
  const priorities = rejectNull('input.priorities', input.priorities);
  const channelIds = rejectNull('input.channelIds', input.channelIds);
  const target = (field: (typeof TARGET_FIELDS)[number]): number | null =>
    input[field] === undefined ? current[field] : validateTargetSeconds(`input.${field}`, input[field]);
  return checkTargets(
    {
      name: name === undefined ? current.name : normalizeName('input.name', name),
      position: position === undefined ? current.position : validatePosition(position),
      priorities: priorities === undefined ? current.priorities : [...new Set(priorities)],
      channelIds: channelIds === undefined ? current.channelIds : normalizeChannelIds(channelIds),
      firstReplySeconds: target('firstReplySeconds'),
      nextReplySeconds: target('nextReplySeconds'),
      resolutionSeconds: target('resolutionSeconds'),
      businessHours:
        input.businessHours === undefined
          ? current.businessHours
          : input.businessHours === null
            ? null
            : normalizeBusinessHours('input.businessHours', input.businessHours),
    },
    now,
  );
}

function validatePosition(position: number): number {
  if (!Number.isInteger(position) || position < 0 || position > MAX_SLA_POSITION) {
    throw badInput('input.position', `input.position must be a whole number from 0 to ${MAX_SLA_POSITION}`);
  }
  return position;
}

export function validateTargetSeconds(field: string, seconds: number | null): number | null {
  if (seconds === null) return null;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SLA_TARGET_SECONDS) {
    throw badInput(
      field,
      `${field} must be a whole number of seconds from 1 to ${MAX_SLA_TARGET_SECONDS} (365 days), or null for no such target`,
    );
  }
  return seconds;
}

function normalizeChannelIds(ids: readonly string[]): string[] {
  if (ids.length > MAX_SLA_CHANNELS) {
    throw badInput('input.channelIds', `input.channelIds may name at most ${MAX_SLA_CHANNELS} channels`);
  }
  ids.forEach((id, i) => {
    if (!UUID.test(id)) {
      throw badInput(
        `input.channelIds[${i}]`,
        `input.channelIds[${i}] (${JSON.stringify(id)}) is not a channel id`,
      );
    }
  });
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

/** An IANA zone name as the platform spells it ("asia/seoul" → "Asia/Seoul"), or null. */
export function canonicalZone(name: string): string | null {
  // Fixed offsets ("+09:00") and POSIX strings are not zones: business hours follow a place's rules.
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name) || !IANAZone.isValidZone(name)) return null;
  return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
}

export function normalizeBusinessHours(field: string, input: BusinessHoursInput): BusinessHours {
  const timeZone = canonicalZone(input.timeZone);
  if (timeZone === null) {
    throw badInput(
      `${field}.timeZone`,
      `${field}.timeZone: unknown time zone ${JSON.stringify(input.timeZone)}; use an IANA name such as "America/New_York"`,
    );
  }
  if (input.weekly.length === 0) {
    throw badInput(`${field}.weekly`, `${field}.weekly needs at least one interval`);
  }
  if (input.weekly.length > MAX_BUSINESS_HOURS_INTERVALS) {
    throw badInput(
      `${field}.weekly`,
      `${field}.weekly may hold at most ${MAX_BUSINESS_HOURS_INTERVALS} intervals`,
    );
  }
  const weekly: BusinessHoursInterval[] = [];
  const spans: { day: Weekday; start: number; end: number; index: number }[] = [];
  input.weekly.forEach((interval, i) => {
    const at = `${field}.weekly[${i}]`;
    const start = clockMinutes(interval.start);
    if (start === null || start === 1_440) {
      throw badInput(
        `${at}.start`,
        `${at}.start (${JSON.stringify(interval.start)}) must be a time of day "HH:MM" from 00:00 to 23:59`,
      );
    }
    const end = clockMinutes(interval.end);
    if (end === null) {
      throw badInput(
        `${at}.end`,
        `${at}.end (${JSON.stringify(interval.end)}) must be a time of day "HH:MM" from 00:01 to 24:00 (24:00 is midnight)`,
      );
    }
    if (end <= start) {
      throw badInput(
        `${at}.end`,
        `${at}.end (${interval.end}) must be after its start (${interval.start}); an interval ending at midnight ends at "24:00", and one past midnight is two intervals`,
      );
    }
    const overlapped = spans.find((s) => s.day === interval.day && s.start < end && start < s.end);
    if (overlapped) {
      throw badInput(at, `${at} overlaps ${field}.weekly[${overlapped.index}] (both on ${interval.day})`);
    }
    spans.push({ day: interval.day, start, end, index: i });
    weekly.push({ day: interval.day, start: interval.start, end: interval.end });
  });
  const holidays = input.holidays ?? [];
  if (holidays.length > MAX_HOLIDAYS) {
    throw badInput(`${field}.holidays`, `${field}.holidays may hold at most ${MAX_HOLIDAYS} dates`);
  }
  holidays.forEach((date, i) => {
    if (!ISO_DATE.test(date) || !DateTime.fromISO(date, { zone: 'UTC' }).isValid) {
      throw badInput(
        `${field}.holidays[${i}]`,
        `${field}.holidays[${i}] (${JSON.stringify(date)}) must be a date "YYYY-MM-DD" that exists`,
      );
    }
  });
  return { timeZone, weekly, holidays: [...new Set(holidays)].sort() };
}

/** At least one target, and each one's due time findable in these business hours. */
function checkTargets(settings: SlaPolicySettings, now: Date): SlaPolicySettings {
  if (TARGET_FIELDS.every((field) => settings[field] === null)) {
    throw badInput(
      'input.firstReplySeconds',
      'A policy needs at least one target: firstReplySeconds, nextReplySeconds or resolutionSeconds',
    );
  }
  for (const field of TARGET_FIELDS) {
    const seconds = settings[field];
    if (seconds !== null && addBusinessSeconds(now, seconds, settings.businessHours) === null) {
      throw badInput(
        `input.${field}`,
        `input.${field}: ${seconds} seconds of these business hours take more than five years`,
      );
    }
  }
  return settings;
}
