import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { ChannelEntity } from '../../entities/channel.entity';
import { ChannelKind } from '../enums';
import { Node, NODE_ID_DESCRIPTION } from './node.type';

@ObjectType('Channel', {
  description: 'A way in for end users: a widget, an SDK or a social app account.',
  implements: Node,
})
export class ChannelType {
  @Field(() => ID, { description: NODE_ID_DESCRIPTION })
  id!: string;

  @Field(() => ChannelKind, { description: 'Where its end users write in from.' })
  kind!: ChannelKind;

  @Field({ description: 'Shown in agent UIs.' })
  name!: string;

  @Field(() => [String], { description: 'Skills every ticket of this channel requires.' })
  requiredSkills!: string[];

  @Field(() => [String], {
    description:
      "Skills each new ticket of this channel asks for until it has waited the routing settings' skillsTimeoutSeconds; never one of requiredSkills.",
  })
  optionalSkills!: string[];

  /** Resolved through a per-request loader (ChannelResolver.style). */
  styleId!: string;

  static from(entity: ChannelEntity): ChannelType {
    return Object.assign(new ChannelType(), {
      id: entity.id,
      kind: entity.kind,
      name: entity.name,
      requiredSkills: entity.requiredSkills,
      optionalSkills: entity.optionalSkills,
      styleId: entity.style.id,
    });
  }
}

@ObjectType('CreateChannelPayload', { description: "The new channel and its integration's first token." })
export class CreateChannelPayload {
  @Field(() => ChannelType, { description: 'The new channel.' })
  channel!: ChannelType;

  @Field({ description: "The integration's bearer token for this channel. Shown only here, once." })
  token!: string;
}

@InputType('CreateChannelInput', { description: 'A new channel.' })
export class CreateChannelInput {
  @Field(() => ChannelKind, { description: 'Where its end users write in from.' })
  kind!: ChannelKind;

  @Field({ description: 'Trimmed; 1-200 characters.' })
  name!: string;

  @Field(() => ID, { description: 'The conversation style its tickets follow (see conversationStyles).' })
  styleId!: string;

  @Field(() => [String], {
    nullable: true,
    description: 'Skills every ticket of the channel requires (none when omitted); each 1-64 of [a-z0-9_-].',
  })
  requiredSkills?: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description:
      'Skills each new ticket asks for until it has waited skillsTimeoutSeconds (none when omitted); each 1-64 of [a-z0-9_-]. One also in requiredSkills is required.',
  })
  optionalSkills?: string[] | null;
}

@InputType('UpdateChannelInput', {
  description: 'Omitted fields keep their value. A new style applies to tickets created from now on.',
})
export class UpdateChannelInput {
  @Field(() => String, { nullable: true, description: 'Trimmed; 1-200 characters.' })
  name?: string | null;

  @Field(() => ID, { nullable: true, description: 'The conversation style new tickets follow.' })
  styleId?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Replaces the required skills ([] for none); each 1-64 of [a-z0-9_-].',
  })
  requiredSkills?: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description:
      'Replaces the optional skills ([] for none); each 1-64 of [a-z0-9_-]. New tickets take them; existing ones keep theirs.',
  })
  optionalSkills?: string[] | null;
}
