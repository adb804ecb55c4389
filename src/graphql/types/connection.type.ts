import { Field, ObjectType } from 'type-graphql';

@ObjectType('PageInfo')
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page.' })
  endCursor!: string | null;

  static of(cursors: readonly string[], hasNextPage: boolean): PageInfo {
    return Object.assign(new PageInfo(), { hasNextPage, endCursor: cursors.at(-1) ?? null });
  }
}
