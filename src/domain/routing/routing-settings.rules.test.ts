import { validateOfferTimeoutSeconds, validateRoutingDelaySeconds } from './routing-settings.rules';

describe('offerTimeoutSeconds', () => {
  it.each([
    [4, false],
    [5, true],
    [30, true],
    [3_600, true],
    [3_601, false],
    [0, false],
    [7.5, false],
  ])('%p → accepted: %p', (seconds, accepted) => {
    const attempt = () => validateOfferTimeoutSeconds('offerTimeoutSeconds', seconds);
    if (accepted) expect(attempt()).toBe(seconds);
    else expect(attempt).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});

describe('awayAfterDisconnectSeconds, reassignAfterOfflineSeconds, skillsTimeoutSeconds', () => {
  it.each([
    [null, true],
    [0, true],
    [1, true],
    [2_592_000, true],
    [2_592_001, false],
    [-1, false],
    [1.5, false],
  ])('%p → accepted: %p', (seconds, accepted) => {
    const attempt = () => validateRoutingDelaySeconds('input.awayAfterDisconnectSeconds', seconds);
    if (accepted) expect(attempt()).toBe(seconds);
    else {
      expect(attempt).toThrow(
        expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'input.awayAfterDisconnectSeconds' }),
      );
    }
  });
});
