import fc from 'fast-check';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
} from 'graphql';

/**
 * A large value that fast-check prints as the expression that builds it (`"a".repeat(100001)`),
 * so that a counterexample containing one stays readable; JSON.stringify sends it whole (toJSON).
 */
export class Large {
  constructor(
    readonly describe: string,
    private readonly build: () => unknown,
  ) {}

  toJSON(): unknown {
    return this.build();
  }

  [fc.toStringMethod](): string {
    return this.describe;
  }
}

const huge = (unit: string, count: number) =>
  new Large(`${JSON.stringify(unit)}.repeat(${count})`, () => unit.repeat(count));

/** Ids of rows that exist, so that some inputs get past "not found" and reach the services' rules. */
export interface IdPools {
  agents: string[];
  channels: string[];
  styles: string[];
  tickets: string[];
  tokens: string[];
  /** Agents' messages first (updateMessageDelivery's input.messageId), then the latest of any kind (node(id)). */
  messages: string[];
  endUsers: string[];
  webhookEndpoints: string[];
  webhookDeliveries: string[];
  /** Unattached uploads of the AGENT, INTEGRATION and ADMIN callers (sendMessage(attachmentIds) …). */
  uploads: string[];
  slaPolicies: string[];
}
type IdKind = keyof IdPools;

export interface FuzzOperation {
  query: string;
  variables: Record<string, unknown>;
}

const UNKNOWN_UUID = '7f1c2e4a-0000-4000-8000-00000000f022';

// The domain's boundaries (names 200, external ids 255, client message ids 128, bodies 10,000,
// skills 64) and both sides of each.
const BOUNDARY_LENGTHS = [63, 64, 65, 127, 128, 129, 199, 200, 201, 255, 256, 10_000, 10_001];

const SPECIAL_STRINGS = [
  '',
  ' ',
  '\t\n\r ',
  '\u0000',
  'a\u0000b',
  '\u202Eevil\u202C',
  '\u200F\u200E\u061C',
  '\uD800',
  'x\uDFFFx',
  '\uDBFF\uDBFF',
  '\uFEFFbom',
  'e\u0301\u0301\u0301',
  '👩‍👩‍👧‍👦',
  'İıßǅ',
  '\u2028\u2029',
  '\u001b[31mred',
  "'; drop table agents; --",
  '%_\\',
  '${x}{{x}}',
  '<script>alert(1)</script>',
  'null',
  'undefined',
  '-1',
  '{}',
];

const HUGE_STRINGS = [
  huge('a', 100_001),
  huge('é', 100_001),
  huge('😀', 100_001),
  huge('\u0000', 100_001),
  huge(' ', 100_001),
  huge('\u202E', 100_001),
];

const INT_EDGES = [
  -1,
  0,
  1,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  -(2 ** 31) - 1,
  2 ** 53 + 2,
  1e308,
  -1e308,
  1.5,
  -0.5,
  5e-324,
];

// Values around each input's valid range (capacity 0-100, close 0 or 1-2,419,200, offer 5-3,600).
const INT_HINTS: Record<string, number[]> = {
  capacity: [0, 1, 2, 99, 100, 101, -1],
  closeAfterSolvedSeconds: [0, 1, 60, 3_600, 345_600, 2_419_200, 2_419_201, -1],
  offerTimeoutSeconds: [4, 5, 30, 3_600, 3_601, 0, -30],
  // ticketChanges' page size: 0 to 1,000.
  first: [0, 1, 7, 100, 1_000, 1_001, -1],
  // Ticket.messages' page from the newest end: 0 to 100.
  last: [0, 1, 10, 100, 101, -1],
};

// The parts of a stream cursor (`s1:<xid>:<id>`, base64url): xids are unsigned 64-bit, log ids
// PostgreSQL bigints; both sides of each bound, and numbers written in ways the server never writes.
const POSITION_PARTS = [
  '0',
  '1',
  '7',
  '9223372036854775807',
  '9223372036854775808',
  '18446744073709551615',
  '18446744073709551616',
  '99999999999999999999999',
  '-1',
  '01',
  '1e3',
  ' 1',
  '',
];

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** Cursors as this server writes them (mostly naming positions that exist, or before or after all), and near misses. */
function cursorString(): fc.Arbitrary<unknown> {
  const part = fc.oneof(
    { arbitrary: fc.constantFrom(...POSITION_PARTS), weight: 3 },
    { arbitrary: fc.bigInt({ min: 0n, max: 5_000n }).map(String), weight: 2 },
    { arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String), weight: 1 },
  );
  return fc.oneof(
    { arbitrary: fc.tuple(part, part).map(([xid, id]) => base64url(`s1:${xid}:${id}`)), weight: 6 },
    {
      arbitrary: fc
        .tuple(fc.constantFrom('s0', 's2', 'S1', '', ' s1'), part, part)
        .map(([version, xid, id]) => base64url(`${version}:${xid}:${id}`)),
      weight: 1,
    },
    {
      arbitrary: fc.tuple(part, part, part).map(([xid, id, extra]) => base64url(`s1:${xid}:${id}:${extra}`)),
      weight: 1,
    },
    // Standard base64 (padding, + and /) of the same text.
    {
      arbitrary: fc.tuple(part, part).map(([xid, id]) => Buffer.from(`s1:${xid}:${id}`).toString('base64')),
      weight: 1,
    },
  );
}

/** Cursors of pages (a message's sequence, a ticket's time and id) as this server writes them, and near misses. */
export function pageCursorString(): fc.Arbitrary<unknown> {
  const sequence = fc.oneof(
    fc.integer({ min: 0, max: 60 }),
    fc.constantFrom(-1, 2 ** 31 - 1, 2 ** 31, 2 ** 53 + 2, 1e20, 1.5, '1', null),
  );
  return fc.oneof(
    { arbitrary: sequence.map((n) => base64url(JSON.stringify([n]))), weight: 6 },
    {
      arbitrary: fc
        .tuple(fc.date({ noInvalidDate: true }), fc.uuid())
        .map(([at, id]) => base64url(JSON.stringify([at.toISOString(), id]))),
      weight: 1,
    },
    {
      arbitrary: fc.constantFrom('[]', '[1,2]', '{}', '[', 'null', '"1"').map(base64url),
      weight: 1,
    },
  );
}

/**
 * Webhook URLs: allowed ones (the fuzz app allows 127.0.0.1 and hooks.fuzz.test while blocking
 * private targets, as production does), private and link-local targets, names that do not resolve,
 * and URLs refused by their shape.
 */
function webhookUrl(): fc.Arbitrary<unknown> {
  const path = fc.stringMatching(/^[A-Za-z0-9/._~%?=&-]{0,30}$/);
  return fc.oneof(
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom('http://127.0.0.1:9/', 'https://hooks.fuzz.test/', 'HTTPS://Hooks.Fuzz.Test:8443/'),
          path,
        )
        .map(([base, rest]) => base + rest),
      weight: 6,
    },
    {
      arbitrary: fc.constantFrom(
        'http://127.0.0.2/hook',
        'http://10.0.0.1/hook',
        'http://192.168.1.1/',
        'http://[::1]/hook',
        'http://[::ffff:10.0.0.1]/',
        'http://169.254.169.254/latest/meta-data',
        'http://0.0.0.0/',
        'http://localhost/hook',
        'https://nowhere.invalid/hook',
        'https://203.0.113.7/hook',
      ),
      weight: 3,
    },
    {
      arbitrary: fc.constantFrom(
        'ftp://hooks.fuzz.test/',
        'javascript:alert(1)',
        'file:///etc/passwd',
        '/relative/hook',
        'hooks.fuzz.test/no-scheme',
        'https://user:pass@hooks.fuzz.test/',
        'https://user@hooks.fuzz.test/',
        'http://',
        'https://hooks fuzz.test/',
        'https://[::1/',
        'https://hooks.fuzz.test/\u0000',
      ),
      weight: 2,
    },
    {
      arbitrary: fc
        .constantFrom(2_020, 2_048, 2_100, 100_001)
        .map((count) => huge('a', count))
        .map(
          (long) =>
            new Large(
              `"https://hooks.fuzz.test/" + ${long[fc.toStringMethod]()}`,
              () => `https://hooks.fuzz.test/${String(long.toJSON())}`,
            ),
        ),
      weight: 1,
    },
  );
}

/** Cursors of a webhook endpoint's delivery log (a time to the microsecond and an id) as this server writes them, and near misses. */
export function deliveryCursorString(): fc.Arbitrary<unknown> {
  const micros = fc
    .tuple(
      fc.date({ min: new Date('1960-01-01Z'), max: new Date('2200-01-01Z'), noInvalidDate: true }),
      fc.nat(999),
    )
    .map(([at, extra]) => `${at.toISOString().slice(0, 23)}${String(extra).padStart(3, '0')}Z`);
  const time = fc.oneof(
    { arbitrary: micros, weight: 6 },
    {
      arbitrary: fc.constantFrom(
        '2026-02-30T00:00:00.000000Z',
        '2026-13-01T00:00:00.000000Z',
        '0000-01-01T00:00:00.000000Z',
        '9999-12-31T23:59:59.999999Z',
        '2026-03-01T09:00:00.000Z',
        '2026-03-01 09:00:00',
        '',
      ),
      weight: 2,
    },
  );
  return fc.oneof(
    { arbitrary: fc.tuple(time, fc.uuid()).map((parts) => base64url(JSON.stringify(parts))), weight: 6 },
    {
      arbitrary: fc
        .tuple(time, fc.constantFrom('not-a-uuid', '', 1, null))
        .map((parts) => base64url(JSON.stringify(parts))),
      weight: 1,
    },
    { arbitrary: pageCursorString(), weight: 1 },
  );
}

const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp));

const plainString = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,20}$/);

const smallString: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: plainString, weight: 3 },
  { arbitrary: fc.constantFrom(...SPECIAL_STRINGS), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }), weight: 2 },
  // Every code point, NUL, controls and lone surrogates included.
  { arbitrary: fc.string({ unit: anyCodePoint, maxLength: 30 }), weight: 2 },
);

/** Any string a client could send: mostly short, some hostile, a few huge. */
const anyString: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: smallString, weight: 10 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...BOUNDARY_LENGTHS), fc.constantFrom('x', 'é', '😀', ' '))
      .map(([n, unit]) => huge(unit, n)),
    weight: 1,
  },
  { arbitrary: fc.constantFrom(...HUGE_STRINGS), weight: 1 },
);

/** Strings shaped like what a field expects, so the rules behind the type check get exercised. */
function plausibleString(name: string): fc.Arbitrary<unknown> | null {
  switch (name) {
    case 'email':
      return fc
        .tuple(
          fc.stringMatching(/^[A-Za-z0-9._+-]{1,12}$/),
          fc.constantFrom('example.com', 'Example.ORG', 'x.io', 'example', ''),
        )
        .map(([local, domain]) => `${local}@${domain}`);
    case 'skills':
    case 'requiredSkills':
      return fc.oneof(
        fc.stringMatching(/^[a-z0-9_-]{1,12}$/),
        fc.constantFrom('billing', 'Billing', ' vip ', 'fr', 'has space', 'émoji', 'a-b_c'),
      );
    case 'body':
      return fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 });
    case 'externalUserId':
      // A few repeated ids: later messages land on the tickets earlier ones opened.
      return fc.oneof(fc.constantFrom('fuzz-user-1', 'fuzz-user-2', 'fuzz-user-3'), plainString);
    case 'after':
      return cursorString();
    case 'before':
      return pageCursorString();
    case 'externalMessageId':
      // Collisions are the point: a repeat must answer duplicate: true (the same end user) or be
      // refused (another one), and change nothing either way.
      return fc.integer({ min: 0, max: 300 }).map((n) => `fuzz-msg-${n}`);
    case 'clientMessageId':
      // Collisions again: a retry by the same author on the same ticket answers the first message.
      return fc.oneof(
        fc.integer({ min: 0, max: 50 }).map((n) => `tmp-${n}`),
        fc.uuid(),
      );
    case 'url':
      return webhookUrl();
    case 'name':
    case 'displayName':
      return fc.oneof(plainString, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }));
    default:
      return null;
  }
}

function stringFor(name: string, small = false): fc.Arbitrary<unknown> {
  const plausible = plausibleString(name);
  const other = small ? smallString : anyString;
  return plausible
    ? fc.oneof({ arbitrary: plausible, weight: 6 }, { arbitrary: other, weight: 4 })
    : fc.oneof({ arbitrary: plainString, weight: 2 }, { arbitrary: other, weight: 3 });
}

function intFor(name: string): fc.Arbitrary<unknown> {
  const hints = INT_HINTS[name];
  return fc.oneof(
    ...(hints ? [{ arbitrary: fc.constantFrom(...hints), weight: 5 }] : []),
    { arbitrary: fc.integer({ min: -5, max: 200 }), weight: 3 },
    { arbitrary: fc.integer(), weight: 1 },
    { arbitrary: fc.constantFrom(...INT_EDGES), weight: 2 },
  );
}

/** Which pool an ID argument most likely names, from its own name, else the mutation's. */
function idKind(mutation: string, name: string): IdKind | null {
  const order: [string, IdKind][] = [
    ['attachment', 'uploads'],
    // updateSlaPolicy(id), deleteSlaPolicy(id).
    ['sla', 'slaPolicies'],
    ['ticket', 'tickets'],
    ['channel', 'channels'],
    ['style', 'styles'],
    ['agent', 'agents'],
    ['token', 'tokens'],
    // TicketFilter.offeredToId: the agent a ticket is offered to.
    ['offered', 'agents'],
    // redeliverWebhook(deliveryId) before the endpoints' mutations (deleteWebhookEndpoint(id) …).
    ['delivery', 'webhookDeliveries'],
    ['webhook', 'webhookEndpoints'],
    // updateMessageDelivery(input.messageId).
    ['message', 'messages'],
  ];
  for (const source of name === 'id' ? [mutation] : [name]) {
    const lower = source.toLowerCase();
    const found = order.find(([word]) => lower.includes(word));
    if (found) return found[1];
  }
  return null;
}

function pick(pool: readonly string[], i: number): string {
  return pool.length === 0 ? UNKNOWN_UUID : pool[i % pool.length]!;
}

const ID_DAMAGE: ((id: string) => string)[] = [
  (id) => id.toUpperCase(),
  (id) => ` ${id}`,
  (id) => `${id}\n`,
  (id) => id.slice(0, -1),
  (id) => `${id}0`,
  (id) => `{${id}}`,
  (id) => id.replace(/-/g, ''),
  (id) => `${id.slice(0, 8)}\u0000${id.slice(9)}`,
  (id) => `${id}' or '1'='1`,
  () => '00000000-0000-0000-0000-000000000000',
  () => 'not-a-uuid',
  () => '',
];

function idFor(mutation: string, name: string, pools: IdPools, small = false): fc.Arbitrary<unknown> {
  const kind = idKind(mutation, name);
  const all = () => Object.values(pools).flat();
  // Mapped at generation time, so each run draws from the pools as the fixtures are now.
  const real = (from: () => readonly string[]) => fc.nat().map((i) => pick(from(), i));
  return fc.oneof(
    ...(kind ? [{ arbitrary: real(() => pools[kind]), weight: 10 }] : []),
    { arbitrary: real(all), weight: kind ? 2 : 8 },
    { arbitrary: fc.uuid(), weight: 2 },
    {
      arbitrary: fc.tuple(real(all), fc.nat()).map(([id, i]) => ID_DAMAGE[i % ID_DAMAGE.length]!(id)),
      weight: 3,
    },
    // ID also accepts an Int literal or variable (it becomes a string).
    { arbitrary: fc.constantFrom(0, -1, 2 ** 31, 1e308), weight: 1 },
    { arbitrary: small ? smallString : anyString, weight: 1 },
  );
}

/** JSON a variable of some other type would hold. */
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.string({ maxLength: 5 }),
  fc.constant({}),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.constant(
    new Large('1,000 nested lists', () => {
      let value: unknown = 'deep';
      for (let i = 0; i < 1_000; i++) value = [value];
      return value;
    }),
  ),
);

interface Ctx {
  mutation: string;
  pools: IdPools;
  /** Inside a long list: no huge strings, or one input would be tens of megabytes. */
  small?: boolean;
}

/**
 * A value for a position of GraphQL input type `type`: mostly of that type (so a fair share of
 * inputs are valid), else null, missing, or a value of another type.
 */
export function valueFor(type: GraphQLInputType, name: string, ctx: Ctx, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 5) return wrongType;
  if (isNonNullType(type)) {
    return fc.oneof(
      { arbitrary: bareValueFor(type.ofType, name, ctx, depth), weight: 20 },
      { arbitrary: fc.constant(null), weight: 1 },
      { arbitrary: fc.constant(undefined), weight: 1 },
      { arbitrary: wrongType, weight: 1 },
    );
  }
  return fc.oneof(
    { arbitrary: bareValueFor(type, name, ctx, depth), weight: 14 },
    { arbitrary: fc.constant(undefined), weight: 4 },
    { arbitrary: fc.constant(null), weight: 2 },
    { arbitrary: wrongType, weight: 1 },
  );
}

function bareValueFor(type: GraphQLInputType, name: string, ctx: Ctx, depth: number): fc.Arbitrary<unknown> {
  if (isListType(type)) {
    const item = valueFor(type.ofType, name, ctx, depth + 1);
    return fc.oneof(
      { arbitrary: fc.array(item, { maxLength: 4 }), weight: 8 },
      // A single value where a list is expected: GraphQL coerces it to a list of one.
      { arbitrary: item, weight: 1 },
      // Past the domain's caps (100 skills), of well-typed items so that it gets there (a list of
      // ill-typed ones is refused by GraphQL at its first few items, as the short lists show).
      {
        arbitrary: fc.array(
          bareValueFor(getNullableType(type.ofType), name, { ...ctx, small: true }, depth + 1),
          {
            minLength: 101,
            maxLength: 150,
          },
        ),
        weight: 1,
      },
      {
        arbitrary: fc.constant(
          new Large('2,000 strings', () => Array.from({ length: 2_000 }, (_, i) => `s${i}`)),
        ),
        weight: 1,
      },
    );
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    const record = fc.record(
      Object.fromEntries(fields.map((f) => [f.name, valueFor(f.type, f.name, ctx, depth + 1)])),
    );
    return fc.oneof(
      { arbitrary: record, weight: 9 },
      {
        arbitrary: fc
          .tuple(
            record,
            fc.constantFrom('unknownField', '__proto__', 'constructor', 'id', ''),
            fc.jsonValue({ maxDepth: 1 }),
          )
          .map(([value, key, extra]) => ({ ...value, [key]: extra })),
        weight: 1,
      },
    );
  }
  if (isEnumType(type)) {
    const values = type.getValues().map((v) => v.name);
    return fc.oneof(
      { arbitrary: fc.constantFrom(...values), weight: 10 },
      {
        arbitrary: fc.constantFrom(...values.map((v) => v.toLowerCase()), 'UNKNOWN', '', ` ${values[0]}`),
        weight: 1,
      },
    );
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'ID':
        return idFor(ctx.mutation, name, ctx.pools, ctx.small);
      case 'String':
        return stringFor(name, ctx.small);
      case 'Int':
        return intFor(name);
      case 'Float':
        return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(...INT_EDGES));
      case 'Boolean':
        return fc.oneof(
          { arbitrary: fc.boolean(), weight: 10 },
          { arbitrary: fc.constantFrom('true', 1, 0), weight: 1 },
        );
      case 'DateTime':
        return fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.constantFrom('2026-02-30T00:00:00Z', '1970-01-01T00:00:00Z', 'yesterday', '', 0),
        );
      default:
        return fc.oneof(anyString, fc.jsonValue({ maxDepth: 2 }));
    }
  }
  return wrongType;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/**
 * A GraphQL literal for `value`, typed where the type is known (enum values bare). Values that
 * have no literal form (lone surrogates, keys that are not names) print as they come: a document
 * the parser refuses is one more hostile input.
 */
export function literal(value: unknown, type?: GraphQLInputType): string {
  if (value instanceof Large) return literal(value.toJSON(), type);
  if (value === null || value === undefined) return 'null';
  const bare = type ? getNullableType(type) : undefined;
  if (typeof value === 'string') {
    return bare && isEnumType(bare) && NAME.test(value) ? value : JSON.stringify(value);
  }
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const item = bare && isListType(bare) ? (bare.ofType as GraphQLInputType) : undefined;
    return `[${value.map((v) => literal(v, item)).join(', ')}]`;
  }
  if (typeof value === 'object') {
    const fields = bare && isInputObjectType(bare) ? bare.getFields() : {};
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries
      .map(([k, v]) => `${NAME.test(k) ? k : JSON.stringify(k)}: ${literal(v, fields[k]?.type)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(String(value));
}

/** Whether a result field is left out of the selection (one the caller may not be allowed to read). */
export type SkipField = (typeName: string, fieldName: string) => boolean;

/**
 * The result's leaf fields, so the server serialises what it stored; of its objects, the id (or,
 * for a payload without an id of its own, their leaf fields): small, and no field takes arguments.
 */
export function selectionFor(type: GraphQLOutputType, skip: SkipField, depth = 0): string {
  const named = getNamedType(type);
  // An interface (node(id)): its own fields and which type the object is.
  if (isInterfaceType(named)) return `{ __typename ${Object.keys(named.getFields()).join(' ')} }`;
  if (!isObjectType(named)) return '';
  const fields = Object.values(named.getFields()).filter(
    (f) =>
      !skip(named.name, f.name) && !f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined),
  );
  const payload = !fields.some((f) => f.name === 'id');
  const parts: string[] = ['__typename'];
  for (const field of fields) {
    if (isLeafType(getNamedType(field.type))) parts.push(field.name);
    else if (depth === 0) {
      const inner = payload ? selectionFor(field.type, skip, 1) : idSelection(field.type);
      if (inner) parts.push(`${field.name} ${inner}`);
    }
  }
  return `{ ${parts.join(' ')} }`;
}

function idSelection(type: GraphQLOutputType): string {
  const named = getNamedType(type);
  if (!isObjectType(named)) return '';
  return 'id' in named.getFields() ? '{ __typename id }' : '{ __typename }';
}

// Variable types a client might declare by mistake: each refused by validation, never a crash.
const WRONG_VARIABLE_TYPES = ['String', 'Int!', '[ID!]!', 'Boolean', 'DateTime', 'Unknown', 'ID!!'];

type Shape =
  | { kind: 'variables' }
  | { kind: 'inline' | 'omit'; arg: number }
  | { kind: 'retype'; arg: number; as: number };

/**
 * Operations calling one mutation (or query): every argument generated from its type, sent as
 * variables (mostly), else inlined as a literal, left out of the document, or declared with a wrong type.
 */
export function operationFor(
  field: GraphQLField<unknown, unknown>,
  pools: IdPools,
  options: {
    skipField?: SkipField;
    /** Applied to every generated string (to set aside a known bug's input while it is open). */
    mapString?: (value: string) => string;
    /**
     * false: a non-null argument with a default is never passed a nullable variable (GraphQL
     * allows that, and a null in it fails at execution), to set aside a known bug while it is open.
     */
    nullableVariableForDefault?: boolean;
    /** The root type the field is on (Mutation unless given). */
    operation?: 'mutation' | 'query' | 'subscription';
  } = {},
): fc.Arbitrary<FuzzOperation> {
  const ctx: Ctx = { mutation: field.name, pools };
  const args = field.args;
  const { mapString } = options;
  const generated = fc.tuple(...args.map((a) => valueFor(a.type, a.name, ctx)));
  const values = mapString ? generated.map((vals) => vals.map((v) => mapStrings(v, mapString))) : generated;
  const shape: fc.Arbitrary<Shape> =
    args.length === 0
      ? fc.constant({ kind: 'variables' })
      : fc.oneof(
          { arbitrary: fc.constant({ kind: 'variables' as const }), weight: 16 },
          {
            arbitrary: fc.record({ kind: fc.constant('inline' as const), arg: fc.nat(args.length - 1) }),
            weight: 2,
          },
          {
            arbitrary: fc.record({ kind: fc.constant('omit' as const), arg: fc.nat(args.length - 1) }),
            weight: 1,
          },
          {
            arbitrary: fc.record({
              kind: fc.constant('retype' as const),
              arg: fc.nat(args.length - 1),
              as: fc.nat(WRONG_VARIABLE_TYPES.length),
            }),
            weight: 1,
          },
        );
  const selection = selectionFor(field.type, options.skipField ?? (() => false));
  return fc.tuple(values, shape).map(([vals, s]) => {
    const definitions: string[] = [];
    const passed: string[] = [];
    const variables: Record<string, unknown> = {};
    args.forEach((arg, i) => {
      const targeted = s.kind !== 'variables' && s.arg === i;
      if (targeted && s.kind === 'omit') return;
      if (targeted && s.kind === 'inline') {
        passed.push(`${arg.name}: ${literal(vals[i], arg.type)}`);
        return;
      }
      // The nullable form of the type too: validation refuses it, unless the argument has a default.
      const nullable = String(getNullableType(arg.type));
      let declared =
        targeted && s.kind === 'retype' ? (WRONG_VARIABLE_TYPES[s.as] ?? nullable) : String(arg.type);
      if (
        options.nullableVariableForDefault === false &&
        arg.defaultValue !== undefined &&
        declared === nullable
      ) {
        declared = String(arg.type);
      }
      definitions.push(`$${arg.name}: ${declared}`);
      passed.push(`${arg.name}: $${arg.name}`);
      variables[arg.name] = vals[i];
    });
    const head = definitions.length ? `(${definitions.join(', ')})` : '';
    const call = passed.length ? `(${passed.join(', ')})` : '';
    const operation = options.operation ?? 'mutation';
    return { query: `${operation} Fuzz${head} { ${field.name}${call} ${selection} }`, variables };
  });
}

function mapStrings(value: unknown, map: (s: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (value instanceof Large) {
    return new Large(`mapped(${value[fc.toStringMethod]()})`, () => mapStrings(value.toJSON(), map));
  }
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, map));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [map(k), mapStrings(v, map)]));
  }
  return value;
}
