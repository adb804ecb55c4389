import {
  nextSkillsLapse,
  optionalSkillsLapseAt,
  optionalSkillsLapsedAt,
  type SkillsTimeout,
  type WaitingSkills,
} from './skills-timeout';

/** docs/domain.md "Skills timeout": when a waiting ticket's optional skills stop counting. */

const WAITING_SINCE = new Date('2026-01-01T08:00:00.000Z');
const at = (seconds: number): Date => new Date(WAITING_SINCE.getTime() + seconds * 1000);
const waiting = (optionalSkills: readonly string[], since = WAITING_SINCE): WaitingSkills => ({
  optionalSkills,
  waitingSince: since,
});

describe('optionalSkillsLapseAt', () => {
  it.each([
    { name: 'no timeout: never', skills: ['spanish'], seconds: null, expected: null },
    { name: 'no optional skills: nothing to lapse', skills: [], seconds: 120, expected: null },
    { name: 'waitingSince + the timeout', skills: ['spanish'], seconds: 120, expected: at(120) },
    { name: 'a timeout of 0 lapses at once', skills: ['spanish'], seconds: 0, expected: at(0) },
    { name: 'thirty days', skills: ['a', 'b'], seconds: 2_592_000, expected: at(2_592_000) },
  ])('$name', ({ skills, seconds, expected }) => {
    expect(optionalSkillsLapseAt(waiting(skills), seconds)).toStrictEqual(expected);
  });
});

describe('optionalSkillsLapsedAt', () => {
  const timeout = (seconds: number | null, now: number): SkillsTimeout =>
    seconds === null ? { seconds } : { seconds, now: at(now) };

  it.each([
    {
      name: 'no timeout: they always count',
      skills: ['spanish'],
      timeout: timeout(null, 10_000),
      lapsed: null,
    },
    {
      name: 'one second before the timeout: they count',
      skills: ['spanish'],
      timeout: timeout(120, 119),
      lapsed: null,
    },
    {
      name: 'a millisecond before: they count',
      skills: ['spanish'],
      timeout: timeout(120, 119.999),
      lapsed: null,
    },
    {
      name: 'exactly at the timeout: lapsed',
      skills: ['spanish'],
      timeout: timeout(120, 120),
      lapsed: at(120),
    },
    {
      name: 'after the timeout: lapsed since the timeout',
      skills: ['spanish'],
      timeout: timeout(120, 3600),
      lapsed: at(120),
    },
    { name: 'timeout 0, at once: lapsed', skills: ['spanish'], timeout: timeout(0, 0), lapsed: at(0) },
    { name: 'no optional skills: nothing lapses', skills: [], timeout: timeout(120, 3600), lapsed: null },
    // A clock behind waitingSince (another process's clock) is no lapse.
    { name: 'now before waitingSince', skills: ['spanish'], timeout: timeout(0, -1), lapsed: null },
  ])('$name', ({ skills, timeout: t, lapsed }) => {
    expect(optionalSkillsLapsedAt(waiting(skills), t)).toStrictEqual(lapsed);
  });
});

describe('nextSkillsLapse', () => {
  const NOW = at(60);
  it.each([
    { name: 'no tickets', tickets: [], seconds: 120, expected: null },
    { name: 'no timeout', tickets: [waiting(['spanish'])], seconds: null, expected: null },
    { name: 'one ticket, lapsing later', tickets: [waiting(['spanish'])], seconds: 120, expected: at(120) },
    {
      name: 'the earliest of several',
      tickets: [waiting(['a'], at(30)), waiting(['b'], at(10)), waiting(['c'], at(20))],
      seconds: 120,
      expected: at(130),
    },
    {
      name: 'already lapsed tickets are left out (a run has seen them lapsed)',
      tickets: [waiting(['a'], at(-100)), waiting(['b'], at(0))],
      seconds: 60,
      expected: null,
    },
    {
      name: 'a lapse exactly now is not a future one',
      tickets: [waiting(['a'], at(0)), waiting(['b'], at(5))],
      seconds: 60,
      expected: at(65),
    },
    {
      name: 'tickets with no optional skills never lapse',
      tickets: [waiting([], at(59)), waiting(['b'], at(30))],
      seconds: 60,
      expected: at(90),
    },
  ])('$name', ({ tickets, seconds, expected }) => {
    expect(nextSkillsLapse(tickets, seconds, NOW)).toStrictEqual(expected);
  });
});
