import { Field, ID, InterfaceType } from 'type-graphql';

/**
 * Relay's object identification. type-graphql resolves an object's type by its class (instanceof),
 * so a resolver returns `XType.from(…)`, never a plain object.
 */
/** Each implementing type declares `id` itself, and type-graphql does not copy the interface's description. */
export const NODE_ID_DESCRIPTION = 'Unique across all types; `node(id)` returns this object.';

@InterfaceType('Node', {
  description:
    'An object with an id unique across all types: `node(id)` finds it again (Relay object identification).',
})
export abstract class Node {
  @Field(() => ID, { description: NODE_ID_DESCRIPTION })
  id!: string;
}
