import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { ChannelEntity } from '../../entities/channel.entity';
import { ChannelKind } from '../enums';

@ObjectType('Channel', { description: 'A way in for end users: a widget, an SDK or a social app account.' })
export class ChannelType {
  @Field(() => ID)
  id!: string;

  @Field(() => ChannelKind)
  kind!: ChannelKind;

  @Field()
  name!: string;

  @Field(() => [String], { description: 'Skills every ticket of this channel requires.' })
  requiredSkills!: string[];

  /** Resolved through a per-request loader (ChannelResolver.style). */
  styleId!: string;

  static from(entity: ChannelEntity): ChannelType {
    return Object.assign(new ChannelType(), {
      id: entity.id,
      kind: entity.kind,
      name: entity.name,
      requiredSkills: entity.requiredSkills,
      styleId: entity.style.id,
    });
  }
}

@ObjectType('CreateChannelPayload')
export class CreateChannelPayload {
  @Field(() => ChannelType)
  channel!: ChannelType;

  @Field({ description: "The integration's bearer token for this channel. Shown only here, once." })
  token!: string;
}

@InputType('CreateChannelInput')
export class CreateChannelInput {
  @Field(() => ChannelKind)
  kind!: ChannelKind;

  @Field()
  name!: string;

  @Field(() => ID)
  styleId!: string;

  @Field(() => [String], { nullable: true })
  requiredSkills?: string[] | null;
}

@InputType('UpdateChannelInput', {
  description: 'Omitted fields keep their value. A new style applies to tickets created from now on.',
})
export class UpdateChannelInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => ID, { nullable: true })
  styleId?: string | null;

  @Field(() => [String], { nullable: true })
  requiredSkills?: string[] | null;
}
