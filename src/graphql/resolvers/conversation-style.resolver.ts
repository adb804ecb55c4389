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
  @Query(() => [ConversationStyleType])
  async conversationStyles(@Ctx() { services }: GraphQLContext): Promise<ConversationStyleType[]> {
    return (await services.conversationStyles.list()).map(ConversationStyleType.from);
  }

  @Authorized('ADMIN')
  @Mutation(() => ConversationStyleType)
  async createConversationStyle(
    @Arg('input', () => CreateConversationStyleInput) input: CreateConversationStyleInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<ConversationStyleType> {
    return ConversationStyleType.from(await services.conversationStyles.create(input));
  }

  @Authorized('ADMIN')
  @Mutation(() => ConversationStyleType)
  async updateConversationStyle(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateConversationStyleInput) input: UpdateConversationStyleInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<ConversationStyleType> {
    return ConversationStyleType.from(await services.conversationStyles.update(id, input));
  }
}
