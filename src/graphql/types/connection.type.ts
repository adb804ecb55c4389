import { Field, ObjectType } from 'type-graphql';

@ObjectType('PageInfo', {
  description: 'Where a page of a connection sits in its list (the Relay cursor connections spec).',
})
export class PageInfo {
  @Field({
    description:
      'More items follow this page. Paging with `first`: exact. Paging with `last`: whether there are items at or after `before` (false without `before`).',
  })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page.' })
  endCursor!: string | null;

  @Field({
    description:
      'Items come before this page. Paging with `last`: exact. Paging with `first`: false without `after`; with `after`, for tickets and messages whether there are items at or before it, for ticketChanges simply true (the log only grows, and the cursor names a change in it, though perhaps not one the filter matches).',
  })
  hasPreviousPage!: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      "The first edge's cursor (null when there are none): the `before` of the previous page, where the connection takes `before`.",
  })
  startCursor!: string | null;

  static of(cursors: readonly string[], page: { hasNextPage: boolean; hasPreviousPage: boolean }): PageInfo {
    return Object.assign(new PageInfo(), {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: cursors[0] ?? null,
      endCursor: cursors.at(-1) ?? null,
    });
  }
}
