import { MAX_SEARCH_TEXT_LENGTH, refuseTextOnStreams, searchTextOf } from './ticket-search.rules';

const refusal = (run: () => unknown): unknown => {
  try {
    run();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('searchTextOf (docs/domain.md "Search")', () => {
  it.each<[string, string | null | undefined, string | null]>([
    ['absent: no search', undefined, null],
    ['null: no search', null, null],
    ['a word', 'refund', 'refund'],
    ['trimmed', '  환불을 요청합니다 \n', '환불을 요청합니다'],
    ['punctuation only: kept (it matches nothing, it is no error)', ':*&|!()', ':*&|!()'],
    ['exactly the limit', 'x'.repeat(MAX_SEARCH_TEXT_LENGTH), 'x'.repeat(MAX_SEARCH_TEXT_LENGTH)],
    ['the limit in Hangul (characters, not bytes)', '환'.repeat(MAX_SEARCH_TEXT_LENGTH), '환'.repeat(200)],
  ])('%s', (_case, text, expected) => {
    expect(searchTextOf(text)).toBe(expected);
  });

  it.each<[string, string]>([
    ['empty', ''],
    ['whitespace', ' \t\n '],
    ['one past the limit', 'x'.repeat(MAX_SEARCH_TEXT_LENGTH + 1)],
  ])('refuses %s with BAD_USER_INPUT naming filter.text', (_case, text) => {
    expect(refusal(() => searchTextOf(text))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.text' });
  });
});

describe('refuseTextOnStreams', () => {
  it.each<[string, { text?: string | null } | null | undefined, boolean]>([
    ['no filter', null, false],
    ['no filter argument at all', undefined, false],
    ['a filter without text', {}, false],
    ['text: null', { text: null }, false],
    ['text', { text: 'refund' }, true],
    ['empty text', { text: '' }, true],
  ])('%s', (_case, filter, refused) => {
    const error = refusal(() => refuseTextOnStreams(filter));
    if (refused) expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.text' });
    else expect(error).toBeUndefined();
  });
});
