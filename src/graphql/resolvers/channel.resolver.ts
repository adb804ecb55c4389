import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import {
  ChannelType,
  CreateChannelInput,
  CreateChannelPayload,
  UpdateChannelInput,
} from '../types/channel.type';
import { ApiTokenType } from '../types/api-token.type';
import { ConversationStyleType } from '../types/conversation-style.type';
import type { GraphQLContext } from '../context';
import { loadRequired } from '../loaders';

@Resolver(() => ChannelType)
export class ChannelResolver {
  @Authorized()
  @Query(() => [ChannelType], { description: 'All channels; an integration sees only its own.' })
  async channels(@Ctx() { principal, services }: GraphQLContext): Promise<ChannelType[]> {
    return (await services.channels.list(principal)).map(ChannelType.from);
  }

  @Authorized('ADMIN')
  @Mutation(() => CreateChannelPayload, {
    description: "Adds a channel and issues its integration's first token. Admins only.",
  })
  async createChannel(
    @Arg('input', () => CreateChannelInput, { description: 'The new channel.' }) input: CreateChannelInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<CreateChannelPayload> {
    const { channel, token } = await services.channels.create(input);
    return { channel: ChannelType.from(channel), token };
  }

  @Authorized('ADMIN')
  @Mutation(() => ChannelType, {
    description: "Changes a channel's name, style or required skills. Admins only.",
  })
  async updateChannel(
    @Arg('id', () => ID, { description: "The channel's id." }) id: string,
    @Arg('input', () => UpdateChannelInput, { description: 'What changes.' }) input: UpdateChannelInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<ChannelType> {
    return ChannelType.from(await services.channels.update(id, input));
  }

  @FieldResolver(() => ConversationStyleType, {
    description: "The conversation style the channel's new tickets follow.",
  })
  async style(
    @Root() channel: ChannelType,
    @Ctx() { loaders }: GraphQLContext,
  ): Promise<ConversationStyleType> {
    return ConversationStyleType.from(
      await loadRequired(loaders.conversationStyle, channel.styleId, 'ConversationStyle'),
    );
  }

  @Authorized('ADMIN')
  @FieldResolver(() => [ApiTokenType], {
    description: "The integration's tokens, newest first, revoked ones included. Admins only.",
  })
  async tokens(@Root() channel: ChannelType, @Ctx() { loaders }: GraphQLContext): Promise<ApiTokenType[]> {
    return (await loaders.channelTokens.load(channel.id)).map(ApiTokenType.from);
  }
}
