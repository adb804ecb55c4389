/**
 * Serialise a shared subscription result once, however many sockets it goes to. graphql-ws frames
 * every `next` message with JSON.stringify per subscriber; for a result shared by a thousand
 * subscribers (shared-subscribe.ts) that was the largest cost after the socket write itself.
 *
 * `serializedOnce(result)` stands in for the payload: it serialises to a placeholder string, and
 * the socket adapter (`expandFrame`) swaps the placeholder at the end of the frame for the JSON
 * computed once. The placeholder starts with a NUL character, which JSON always escapes, and is
 * only looked for as the last member of the frame, where graphql-ws puts the payload.
 */
const PREFIX = '\u0000parley-frame:';
const ESCAPED_MEMBER = `"payload":${JSON.stringify(PREFIX).slice(0, -1)}`;

class Serialized {
  constructor(private readonly token: string) {}
  toJSON(): string {
    return this.token;
  }
}

let nextToken = 0;
const jsonByToken = new Map<string, string>();
const placeholders = new WeakMap<object, Serialized>();
// A frame is expanded synchronously when it is written, while its placeholder is alive.
const forget = new FinalizationRegistry<string>((token) => jsonByToken.delete(token));

export function serializedOnce(result: object): object {
  let placeholder = placeholders.get(result);
  if (!placeholder) {
    const token = PREFIX + (nextToken++).toString(36);
    jsonByToken.set(token, JSON.stringify(result));
    placeholder = new Serialized(token);
    placeholders.set(result, placeholder);
    forget.register(placeholder, token);
  }
  return placeholder;
}

export function expandFrame(frame: string): string {
  if (!frame.endsWith('"}')) return frame;
  const at = frame.lastIndexOf(ESCAPED_MEMBER);
  if (at === -1) return frame;
  const json = jsonByToken.get(PREFIX + frame.slice(at + ESCAPED_MEMBER.length, -2));
  return json === undefined ? frame : `${frame.slice(0, at)}"payload":${json}}`;
}
