import { badInput } from '../errors';

export enum ConversationStyleKind {
  LIVE_CHAT = 'LIVE_CHAT',
  LIVE_CHAT_RETURNING = 'LIVE_CHAT_RETURNING',
  SOCIAL_MESSAGING = 'SOCIAL_MESSAGING',
}

/** 28 days: the longest a social conversation may stay solved before it closes. */
export const MAX_CLOSE_AFTER_SOLVED_SECONDS = 2_419_200;

export const DEFAULT_CLOSE_AFTER_SOLVED_SECONDS: Readonly<Record<ConversationStyleKind, number>> = {
  [ConversationStyleKind.LIVE_CHAT]: 0,
  [ConversationStyleKind.LIVE_CHAT_RETURNING]: 3_600,
  [ConversationStyleKind.SOCIAL_MESSAGING]: 345_600,
};

/** Live chat closes in the same transaction as the solve, so there is never a solved ticket to reopen. */
export function reopensOnReply(kind: ConversationStyleKind): boolean {
  return kind !== ConversationStyleKind.LIVE_CHAT;
}

export function validateCloseAfterSolvedSeconds(
  field: string,
  kind: ConversationStyleKind,
  seconds: number,
): number {
  if (kind === ConversationStyleKind.LIVE_CHAT) {
    if (seconds !== 0) throw badInput(field, `${field} must be 0 for a LIVE_CHAT style (it closes on solve)`);
    return 0;
  }
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_CLOSE_AFTER_SOLVED_SECONDS) {
    throw badInput(
      field,
      `${field} must be a whole number from 1 to ${MAX_CLOSE_AFTER_SOLVED_SECONDS} for a ${kind} style`,
    );
  }
  return seconds;
}
