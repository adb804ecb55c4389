import { validateOfferTimeoutSeconds } from './routing-settings.rules';

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
