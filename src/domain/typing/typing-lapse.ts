import type { TypingAuthor } from './typing.rules';

/** One typing announcement: an author started, renewed or stopped typing on a ticket, at `at`. */
export interface TypingSignal extends TypingAuthor {
  readonly ticketId: string;
  readonly typing: boolean;
  readonly at: Date;
}

interface Held {
  readonly signal: TypingSignal;
  /** Typing: when it lapses. Not typing: when the record may be forgotten. */
  readonly until: number;
}

/** One author on one ticket: the end user of a ticket, or one agent (a ticket's assignee can change). */
function keyOf(signal: TypingSignal): string {
  return `${signal.ticketId} ${signal.authorType} ${signal.agentId ?? ''}`;
}

/**
 * docs/domain.md "Typing": what one process tells its subscribers, given the signals it receives (its
 * own and other processes') and the time. A `true` not renewed within `lapseMs` of its `at` lapses:
 * one `typing: false`, dated when it lapsed. Every process runs this on the same signals and the
 * same `at`s, so all of them lapse an author at the same moment, each once for its own subscribers.
 *
 * Signals from different processes may arrive out of order, so each author's last `at` is kept
 * (also after it stopped, until a signal that old could no longer matter) and an older signal is
 * ignored. A `true` is timed from the earlier of its `at` and its arrival, so a sender whose clock
 * runs ahead cannot keep an author typing for longer than the lapse.
 */
export class TypingLapses {
  private readonly held = new Map<string, Held>();

  constructor(private readonly lapseMs: number) {}

  /** What subscribers are told of a signal arriving at `now`; null: nothing (already so, stale, or late). */
  receive(signal: TypingSignal, now: Date): TypingSignal | null {
    const key = keyOf(signal);
    const previous = this.held.get(key);
    const at = signal.at.getTime();
    if (previous && at < previous.signal.at.getTime()) return null;
    if (signal.typing) {
      const lapsesAt = Math.min(at, now.getTime()) + this.lapseMs;
      // Lapsed on its way here: every process that was told in time has said false already.
      if (lapsesAt <= now.getTime()) return null;
      this.held.set(key, { signal, until: lapsesAt });
      return signal;
    }
    this.held.set(key, { signal, until: at + this.lapseMs });
    return previous?.signal.typing ? signal : null;
  }

  /** The lapses due by `now`, each a `typing: false` dated when it lapsed; forgets what no longer matters. */
  due(now: Date): TypingSignal[] {
    const lapsed: TypingSignal[] = [];
    const nowMs = now.getTime();
    for (const [key, { signal, until }] of this.held) {
      if (until > nowMs) continue;
      if (signal.typing) {
        const stopped: TypingSignal = { ...signal, typing: false, at: new Date(until) };
        lapsed.push(stopped);
        // Kept with the true's own `at`, so a renewal sent before the lapse but arriving after it counts.
        const forgetAt = Math.max(until, signal.at.getTime() + this.lapseMs);
        if (forgetAt > nowMs) {
          this.held.set(key, { signal: { ...signal, typing: false }, until: forgetAt });
          continue;
        }
      }
      this.held.delete(key);
    }
    return lapsed;
  }

  /** When due() next has something to do; null when nothing is held. */
  nextDue(): Date | null {
    let next: number | null = null;
    for (const { until } of this.held.values()) if (next === null || until < next) next = until;
    return next === null ? null : new Date(next);
  }

  /**
   * Whether a sender should announce this signal at all: a renewal within a sixth of the lapse (1 s
   * of 6) of the `true` already announced is not, so a client that renews on every keystroke costs
   * one announcement a second. Such an author lapses up to that much earlier; clients renew far
   * less often (README: every ~3 s). A stop is always announced.
   */
  worthAnnouncing(signal: TypingSignal): boolean {
    if (!signal.typing) return true;
    const held = this.held.get(keyOf(signal));
    if (!held?.signal.typing) return true;
    const since = signal.at.getTime() - held.signal.at.getTime();
    return since < 0 || since >= this.lapseMs / 6;
  }

  /** Authors held, typing or recently stopped (bounded by who typed within the last lapse). */
  size(): number {
    return this.held.size;
  }
}
