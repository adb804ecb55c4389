import { Entity, ManyToOne, PrimaryKey, Property, Unique, type Ref } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { ChannelEntity } from './channel.entity';

/** A customer as one channel knows them: unique per channel and the channel's own id for them. */
@Entity({ tableName: 'end_users' })
@Unique({ name: 'end_users_channel_external_unique', properties: ['channel', 'externalId'] })
export class EndUserEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => ChannelEntity, { ref: true, deleteRule: 'cascade' })
  channel!: Ref<ChannelEntity>;

  @Property({ type: 'text' })
  externalId!: string;

  @Property({ type: 'text', nullable: true })
  displayName: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;
}
