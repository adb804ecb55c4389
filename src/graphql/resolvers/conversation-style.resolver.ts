import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context';
import {
  ConversationStyleType,
  CreateConversationStyleInput,
  UpdateConversationStyleInput,
} from '../types/conversation-style.type';

@Resolver(() => ConversationStyleType)
export class ConversationStyleResolver {
  // Integrations may read styles too: their channel's style decides what their customers' replies do.
  @Authorized()
  @Query(() => [ConversationStyleType], { description: 'Every conversation style. Anyone signed in.' })
  async conversationStyles(@Ctx() { services }: GraphQLContext): Promise<ConversationStyleType[]> {
    return (await services.conversationStyles.list()).map(ConversationStyleType.from);
  }

  @Authorized('ADMIN')
  @Mutation(() => ConversationStyleType, { description: 'Adds a conversation style. Admins only.' })
  async createConversationStyle(
    @Arg('input', () => CreateConversationStyleInput, { description: 'The new style.' })
    input: CreateConversationStyleInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<ConversationStyleType> {
    return ConversationStyleType.from(await services.conversationStyles.create(input));
  }

  @Authorized('ADMIN')
  @Mutation(() => ConversationStyleType, {
    description: 'Renames a style or changes its close delay (never its kind). Admins only.',
  })
  async updateConversationStyle(
    @Arg('id', () => ID, { description: "The style's id." }) id: string,
    @Arg('input', () => UpdateConversationStyleInput, { description: 'What changes.' })
    input: UpdateConversationStyleInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<ConversationStyleType> {
    return ConversationStyleType.from(await services.conversationStyles.update(id, input));
  }
}
