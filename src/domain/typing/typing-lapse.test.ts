import { AuthorType } from '../ticket/ticket.enums';
import { TypingLapses, type TypingSignal } from './typing-lapse';

const LAPSE = 6_000;

type Who = 'agent' | 'user' | 'agent2';

function signal(who: Who, typing: boolean, atMs: number, ticketId = 't1'): TypingSignal {
  const agentId = who === 'user' ? null : who === 'agent' ? 'a1' : 'a2';
  return {
    ticketId,
    authorType: who === 'user' ? AuthorType.END_USER : AuthorType.AGENT,
    agentId,
    typing,
    at: new Date(atMs),
  };
}

/** A step: a signal arriving (who, typing, its `at`, when it arrives) or asking for lapses at a time. */
type Step = ['recv', Who, boolean, number, number] | ['due', number];

/** What subscribers were told, as `who:true@at` / `who:false@at`. */
function run(steps: readonly Step[]): string[] {
  const lapses = new TypingLapses(LAPSE);
  const told: string[] = [];
  const describe = (s: TypingSignal) =>
    `${s.authorType === AuthorType.END_USER ? 'user' : s.agentId === 'a1' ? 'agent' : 'agent2'}:${s.typing}@${s.at.getTime()}`;
  for (const step of steps) {
    if (step[0] === 'recv') {
      const [, who, typing, at, arrives] = step;
      const out = lapses.receive(signal(who, typing, at), new Date(arrives));
      if (out) told.push(describe(out));
    } else {
      told.push(...lapses.due(new Date(step[1])).map(describe));
    }
  }
  return told;
}

describe('TypingLapses', () => {
  it.each<[string, Step[], string[]]>([
    [
      'a true not renewed lapses once, dated at its lapse',
      [
        ['recv', 'agent', true, 0, 0],
        ['due', 5_999],
        ['due', 6_000],
        ['due', 7_000],
        ['due', 60_000],
      ],
      ['agent:true@0', 'agent:false@6000'],
    ],
    [
      'a renewal resets the lapse',
      [
        ['recv', 'agent', true, 0, 0],
        ['recv', 'agent', true, 3_000, 3_000],
        ['due', 6_500],
        ['due', 9_000],
      ],
      ['agent:true@0', 'agent:true@3000', 'agent:false@9000'],
    ],
    [
      'an explicit false cancels the lapse',
      [
        ['recv', 'agent', true, 0, 0],
        ['recv', 'agent', false, 1_000, 1_000],
        ['due', 6_000],
        ['due', 60_000],
      ],
      ['agent:true@0', 'agent:false@1000'],
    ],
    [
      'a false when not typing says nothing (already lapsed, or never seen)',
      [
        ['recv', 'agent', false, 0, 0],
        ['recv', 'agent', true, 1_000, 1_000],
        ['due', 7_000],
        ['recv', 'agent', false, 8_000, 8_000],
      ],
      ['agent:true@1000', 'agent:false@7000'],
    ],
    [
      'authors lapse on their own',
      [
        ['recv', 'agent', true, 0, 0],
        ['recv', 'user', true, 2_000, 2_000],
        ['due', 6_000],
        ['recv', 'agent2', true, 6_500, 6_500],
        ['due', 8_000],
        ['due', 12_500],
      ],
      [
        'agent:true@0',
        'user:true@2000',
        'agent:false@6000',
        'agent2:true@6500',
        'user:false@8000',
        'agent2:false@12500',
      ],
    ],
    [
      'an older signal arriving late (from another process) is ignored',
      [
        ['recv', 'agent', false, 2_000, 2_000],
        ['recv', 'agent', true, 1_000, 2_100],
        ['due', 10_000],
      ],
      [],
    ],
    [
      'a stop arriving before the start it follows keeps the author stopped',
      [
        ['recv', 'agent', true, 0, 0],
        ['recv', 'agent', false, 2_000, 2_010],
        ['recv', 'agent', true, 1_000, 2_020],
        ['due', 10_000],
      ],
      ['agent:true@0', 'agent:false@2000'],
    ],
    [
      'a true that lapsed on its way is not told',
      [
        ['recv', 'agent', true, 0, 6_000],
        ['due', 6_000],
      ],
      [],
    ],
    [
      'a renewal sent before the lapse but arriving after it starts the author again',
      [
        ['recv', 'agent', true, 0, 0],
        ['due', 6_000],
        ['recv', 'agent', true, 5_900, 6_050],
        ['due', 11_900],
      ],
      ['agent:true@0', 'agent:false@6000', 'agent:true@5900', 'agent:false@11900'],
    ],
    [
      'a sender whose clock runs ahead cannot stretch the lapse: timed from the arrival',
      [
        ['recv', 'agent', true, 10_000, 1_000],
        ['due', 7_000],
      ],
      ['agent:true@10000', 'agent:false@7000'],
    ],
    [
      'equal times (one clock, as in tests) keep arrival order',
      [
        ['recv', 'agent', true, 0, 0],
        ['recv', 'agent', false, 0, 0],
        ['recv', 'agent', true, 0, 0],
        ['due', 6_000],
      ],
      ['agent:true@0', 'agent:false@0', 'agent:true@0', 'agent:false@6000'],
    ],
  ])('%s', (_name, steps, expected) => {
    expect(run(steps)).toEqual(expected);
  });

  it('keeps tickets apart', () => {
    const lapses = new TypingLapses(LAPSE);
    lapses.receive(signal('agent', true, 0, 't1'), new Date(0));
    expect(lapses.receive(signal('agent', false, 1, 't2'), new Date(1))).toBeNull();
    expect(lapses.due(new Date(6_000)).map((s) => s.ticketId)).toEqual(['t1']);
  });

  it('says when it next has something to do, and forgets everything a lapse after the last signal', () => {
    const lapses = new TypingLapses(LAPSE);
    expect(lapses.nextDue()).toBeNull();
    lapses.receive(signal('agent', true, 1_000, 't1'), new Date(1_000));
    lapses.receive(signal('user', false, 500, 't2'), new Date(500));
    expect(lapses.nextDue()).toEqual(new Date(6_500));
    lapses.due(new Date(6_500));
    expect(lapses.nextDue()).toEqual(new Date(7_000));
    expect(lapses.due(new Date(7_000))).toHaveLength(1);
    expect(lapses.size()).toBe(0);
    expect(lapses.nextDue()).toBeNull();
  });

  it.each<[string, TypingSignal | null, TypingSignal, boolean]>([
    ['a first true', null, signal('agent', true, 0), true],
    ['a renewal within a sixth of the lapse', signal('agent', true, 0), signal('agent', true, 999), false],
    ['a renewal a sixth of the lapse later', signal('agent', true, 0), signal('agent', true, 1_000), true],
    ['a stop right after a start', signal('agent', true, 0), signal('agent', false, 10), true],
    ['a true right after a stop', signal('agent', false, 0), signal('agent', true, 10), true],
    ['another author', signal('user', true, 0), signal('agent', true, 10), true],
  ])('worthAnnouncing: %s → %s', (_name, before, next, expected) => {
    const lapses = new TypingLapses(LAPSE);
    if (before) lapses.receive(before, before.at);
    expect(lapses.worthAnnouncing(next)).toBe(expected);
  });
});
