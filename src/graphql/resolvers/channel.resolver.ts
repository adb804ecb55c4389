import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import {
  ChannelType,
  CreateChannelInput,
  CreateChannelPayload,
  UpdateChannelInput,
} from '../types/channel.type';
import { ConversationStyleType } from '../types/conversation-style.type';
import type { GraphQLContext } from '../context';

@Resolver(() => ChannelType)
export class ChannelResolver {
  @Authorized()
  @Query(() => [ChannelType], { description: 'All channels; an integration sees only its own.' })
  async channels(@Ctx() { principal, services }: GraphQLContext): Promise<ChannelType[]> {
    return (await services.channels.list(principal)).map(ChannelType.from);
  }

  @Authorized('ADMIN')
  @Mutation(() => CreateChannelPayload)
  async createChannel(
    @Arg('input', () => CreateChannelInput) input: CreateChannelInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<CreateChannelPayload> {
    const { channel, token } = await services.channels.create(input);
    return { channel: ChannelType.from(channel), token };
  }

  @Authorized('ADMIN')
  @Mutation(() => ChannelType)
  async updateChannel(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateChannelInput) input: UpdateChannelInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<ChannelType> {
    return ChannelType.from(await services.channels.update(id, input));
  }

  @FieldResolver(() => ConversationStyleType)
  async style(
    @Root() channel: ChannelType,
    @Ctx() { loaders }: GraphQLContext,
  ): Promise<ConversationStyleType> {
    const style = await loaders.conversationStyle.load(channel.styleId);
    // The foreign key guarantees the row; its absence means the database changed under us.
    if (!style) throw new Error(`Channel ${channel.id} points at missing style ${channel.styleId}`);
    return ConversationStyleType.from(style);
  }
}
