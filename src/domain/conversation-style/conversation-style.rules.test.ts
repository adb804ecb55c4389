import {
  ConversationStyleKind as Kind,
  DEFAULT_CLOSE_AFTER_SOLVED_SECONDS,
  reopensOnReply,
  validateCloseAfterSolvedSeconds,
} from './conversation-style.rules';

describe('closeAfterSolvedSeconds per kind (docs/domain.md "Conversation styles")', () => {
  it.each([
    [Kind.LIVE_CHAT, 0, true],
    [Kind.LIVE_CHAT, 1, false],
    [Kind.LIVE_CHAT, -1, false],
    [Kind.LIVE_CHAT_RETURNING, 0, false],
    [Kind.LIVE_CHAT_RETURNING, 1, true],
    [Kind.LIVE_CHAT_RETURNING, 3_600, true],
    [Kind.LIVE_CHAT_RETURNING, 2_419_200, true],
    [Kind.LIVE_CHAT_RETURNING, 2_419_201, false],
    [Kind.SOCIAL_MESSAGING, 0, false],
    [Kind.SOCIAL_MESSAGING, 1, true],
    [Kind.SOCIAL_MESSAGING, 345_600, true],
    [Kind.SOCIAL_MESSAGING, 2_419_200, true],
    [Kind.SOCIAL_MESSAGING, 2_419_201, false],
    [Kind.SOCIAL_MESSAGING, 10.5, false],
  ])('%s with %p seconds → accepted: %p', (kind, seconds, accepted) => {
    const attempt = () => validateCloseAfterSolvedSeconds('seconds', kind, seconds);
    if (accepted) expect(attempt()).toBe(seconds);
    else expect(attempt).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'seconds' }));
  });

  it('has defaults that pass their own rule', () => {
    for (const kind of Object.values(Kind)) {
      const seconds = DEFAULT_CLOSE_AFTER_SOLVED_SECONDS[kind];
      expect(validateCloseAfterSolvedSeconds('seconds', kind, seconds)).toBe(seconds);
    }
    expect(DEFAULT_CLOSE_AFTER_SOLVED_SECONDS).toEqual({
      LIVE_CHAT: 0,
      LIVE_CHAT_RETURNING: 3_600,
      SOCIAL_MESSAGING: 345_600,
    });
  });

  it.each([
    [Kind.LIVE_CHAT, false],
    [Kind.LIVE_CHAT_RETURNING, true],
    [Kind.SOCIAL_MESSAGING, true],
  ])('%s reopens on reply: %p', (kind, expected) => {
    expect(reopensOnReply(kind)).toBe(expected);
  });
});
