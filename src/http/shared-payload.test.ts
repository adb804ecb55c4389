import { MessageType, stringifyMessage } from 'graphql-ws';
import { expandFrame, serializedOnce } from './shared-payload';

const frame = (id: string, payload: object) =>
  stringifyMessage({ id, type: MessageType.Next, payload } as never);

describe('frame cache', () => {
  const results = [
    { data: { messageAdded: { id: 'm1', body: 'hello', sequence: 3 } } },
    { data: { messageAdded: { body: 'quotes " and \\ and unicode ✓ 😀 and \u0000 nul' } } },
    { data: { ticketChanged: { kind: 'ASSIGNED', ticket: { assignee: null } } } },
  ];

  it.each(results)('a frame with a placeholder expands to the frame of the result itself', (result) => {
    for (const id of ['1', 'sub "quoted" ✓', '\u0000parley-frame:0']) {
      expect(expandFrame(frame(id, serializedOnce(result)))).toBe(frame(id, result));
    }
  });

  it('serialises a result once and hands every subscriber the same placeholder', () => {
    const result = { data: { n: 1 } };
    const spy = jest.spyOn(JSON, 'stringify');
    const first = serializedOnce(result);
    const again = serializedOnce(result);
    expect(again).toBe(first);
    expect(spy.mock.calls.filter(([value]) => value === result)).toHaveLength(1);
    spy.mockRestore();
  });

  it('leaves frames without a placeholder alone, even when user text looks like one', () => {
    const lookalike = { data: { body: '\u0000parley-frame:0' } };
    serializedOnce({ data: { other: true } });
    expect(expandFrame(frame('1', lookalike))).toBe(frame('1', lookalike));
    expect(expandFrame('{"type":"ping"}')).toBe('{"type":"ping"}');
    expect(expandFrame(frame('1', { data: null }))).toBe(frame('1', { data: null }));
  });
});
