import fs from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  isIntrospectionType,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { getSchema } from '../../src/graphql/schema';

/*
 * The public API contract lives outside this repository, so this test reads it from the file named by
 * the environment variable PARLEY_CONTRACT: a path relative to the current directory (the repository
 * root under npm and .ci/run) or an absolute one. CI sets PARLEY_CONTRACT=../shared/api-contract.graphql.
 * When PARLEY_CONTRACT is unset or empty, jest.config.js leaves this file out of the run, so `npm test`
 * needs nothing outside the repository; when it names a file that does not exist, this file fails.
 */

/**
 * Parts of the contract (the file PARLEY_CONTRACT names) that no issue has built yet: a type
 * (`Type`), a field or an enum value (`Type.name`), or an argument (`Type.field(argument)`). The
 * contract grew on 2026-12-01 (wave 2); each later issue removes what it builds. The test fails if
 * an entry here is in fact built (so the list only shrinks) or names nothing in the contract.
 */
const NOT_YET_BUILT = new Set<string>([]);

function contractPath(): string {
  const setting = process.env.PARLEY_CONTRACT;
  if (!setting) {
    throw new Error(
      'PARLEY_CONTRACT is not set: it names the API contract file this test checks the schema against ' +
        '(jest.config.js leaves this test out of the run when it is unset)',
    );
  }
  const resolved = path.resolve(process.cwd(), setting);
  if (!fs.existsSync(resolved)) {
    throw new Error(
      `PARLEY_CONTRACT=${setting} names no file: ${resolved} does not exist (a relative path is resolved ` +
        `from the current directory, ${process.cwd()})`,
    );
  }
  return resolved;
}

const CONTRACT_PATH = contractPath();
const contract = buildSchema(fs.readFileSync(CONTRACT_PATH, 'utf8'));
let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await getSchema();
});

const contractTypes = Object.values(contract.getTypeMap()).filter(
  (t) => !isIntrospectionType(t) && !isSpecifiedScalarType(t),
);

type AnyField = GraphQLField<unknown, unknown> | GraphQLInputField;

function fieldProblems(
  typeName: string,
  expected: Record<string, AnyField>,
  actual: Record<string, AnyField>,
): string[] {
  const problems: string[] = [];
  for (const [name, want] of Object.entries(expected)) {
    const key = `${typeName}.${name}`;
    if (NOT_YET_BUILT.has(key)) continue;
    const have = actual[name];
    if (!have) {
      problems.push(`${key} is missing`);
      continue;
    }
    if (String(have.type) !== String(want.type))
      problems.push(`${key} is ${String(have.type)}, contract says ${String(want.type)}`);
    if (!('args' in want) || !('args' in have)) continue;
    for (const arg of want.args) {
      if (NOT_YET_BUILT.has(`${key}(${arg.name})`)) continue;
      const got = have.args.find((a) => a.name === arg.name);
      if (!got) problems.push(`${key}(${arg.name}) is missing`);
      else if (String(got.type) !== String(arg.type)) {
        problems.push(`${key}(${arg.name}) is ${String(got.type)}, contract says ${String(arg.type)}`);
      } else if (arg.defaultValue !== undefined && got.defaultValue !== arg.defaultValue) {
        problems.push(
          `${key}(${arg.name}) defaults to ${String(got.defaultValue)}, contract says ${String(arg.defaultValue)}`,
        );
      }
    }
    // Additions are allowed only where existing clients cannot break: optional arguments.
    for (const extra of have.args.filter((a) => !want.args.some((w) => w.name === a.name))) {
      if (String(extra.type).endsWith('!') && extra.defaultValue === undefined) {
        problems.push(`${key}(${extra.name}) is a required argument the contract does not have`);
      }
    }
  }
  return problems;
}

function typeProblems(want: GraphQLNamedType, have: GraphQLNamedType | undefined | null): string[] {
  if (!have) return [`type ${want.name} is missing`];
  if (have.constructor !== want.constructor)
    return [`${want.name} is a ${have.constructor.name}, contract says ${want.constructor.name}`];
  if (isEnumType(want) && isEnumType(have)) {
    const values = new Set(have.getValues().map((v) => v.name));
    return want
      .getValues()
      .filter((v) => !values.has(v.name) && !NOT_YET_BUILT.has(`${want.name}.${v.name}`))
      .map((v) => `${want.name}.${v.name} is missing`);
  }
  if ((isObjectType(want) || isInterfaceType(want) || isInputObjectType(want)) && !isScalarType(have)) {
    const haveFields = (have as typeof want).getFields() as Record<string, AnyField>;
    return [
      ...fieldProblems(want.name, want.getFields() as Record<string, AnyField>, haveFields),
      ...interfaceProblems(want, have),
    ];
  }
  return [];
}

/**
 * `extend type X implements Node`: the interfaces a contract type implements, unless the interface
 * is not built yet. (A type not built yet is skipped whole, so it must implement them once it is.)
 */
function interfaceProblems(want: GraphQLNamedType, have: GraphQLNamedType): string[] {
  if (!(isObjectType(want) || isInterfaceType(want)) || !(isObjectType(have) || isInterfaceType(have))) {
    return [];
  }
  const ours = new Set(have.getInterfaces().map((i) => i.name));
  return want
    .getInterfaces()
    .filter((i) => !ours.has(i.name) && !NOT_YET_BUILT.has(i.name))
    .map((i) => `${want.name} does not implement ${i.name}`);
}

describe('the schema honours the API contract that PARLEY_CONTRACT names', () => {
  it.each(contractTypes.filter((t) => !NOT_YET_BUILT.has(t.name)).map((t) => [t.name, t] as const))(
    '%s',
    (_name, want) => {
      expect(typeProblems(want, schema.getType(want.name))).toEqual([]);
    },
  );

  it('lists as not yet built only parts of the contract that are in fact missing', () => {
    const stale: string[] = [];
    for (const entry of NOT_YET_BUILT) {
      const [, typeName, member, argument] = /^(\w+)(?:\.(\w+)(?:\((\w+)\))?)?$/.exec(entry) ?? [];
      if (!typeName) {
        stale.push(`${entry} is not of the form Type, Type.name or Type.field(argument)`);
        continue;
      }
      const inContract = lookUp(contract, typeName, member, argument);
      if (!inContract) {
        stale.push(`${entry} is not in the contract`);
        continue;
      }
      const ours = schema.getType(typeName);
      const built =
        member === undefined
          ? !!ours && typeProblems(contract.getType(typeName)!, ours).length === 0
          : lookUp(schema, typeName, member, argument);
      if (built) stale.push(`${entry} is built: remove it from NOT_YET_BUILT`);
    }
    expect(stale).toEqual([]);
  });
});

/** Whether the schema has the type, its field or enum value, or that field's argument. */
function lookUp(in_: GraphQLSchema, typeName: string, member?: string, argument?: string): boolean {
  const type = in_.getType(typeName);
  if (!type) return false;
  if (member === undefined) return true;
  if (isEnumType(type)) return argument === undefined && type.getValue(member) !== undefined;
  if (!isObjectType(type) && !isInterfaceType(type) && !isInputObjectType(type)) return false;
  const field = type.getFields()[member] as AnyField | undefined;
  if (!field) return false;
  if (argument === undefined) return true;
  return 'args' in field && field.args.some((a) => a.name === argument);
}
