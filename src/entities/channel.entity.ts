import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { ChannelKind } from '../domain/channel/channel.rules';
import { ConversationStyleEntity } from './conversation-style.entity';
import { TextArrayType } from './text-array.type';

@Entity({ tableName: 'channels' })
export class ChannelEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => ChannelKind, nativeEnumName: 'channel_kind' })
  kind!: ChannelKind;

  @Property({ type: 'text' })
  name!: string;

  @Index({ name: 'channels_style_id_index' })
  @ManyToOne(() => ConversationStyleEntity, { ref: true, deleteRule: 'restrict', updateRule: 'cascade' })
  style!: Ref<ConversationStyleEntity>;

  @Property({ type: TextArrayType })
  requiredSkills: string[] & Opt = [];

  /** Given to each new ticket (docs/domain.md "Skills timeout"); never one of requiredSkills. */
  @Property({ type: TextArrayType, default: '{}' })
  optionalSkills: string[] & Opt = [];

  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  updatedAt!: Date;
}
