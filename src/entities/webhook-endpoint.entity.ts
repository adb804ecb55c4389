import { Entity, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { ChannelEntity } from './channel.entity';
import { TextArrayType } from './text-array.type';

/**
 * A partner's URL that receives a channel's changes (no channel: every channel's). Its secret signs
 * each delivery; it has to be kept readable to sign, unlike API tokens (SECURITY.md).
 */
@Entity({ tableName: 'webhook_endpoints' })
export class WebhookEndpointEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Index({ name: 'webhook_endpoints_channel_id_index' })
  @ManyToOne(() => ChannelEntity, { ref: true, nullable: true, deleteRule: 'cascade' })
  channel: Ref<ChannelEntity> | null = null;

  @Property({ type: 'text' })
  url!: string;

  /** The change kinds it wants; empty: all. */
  @Property({ type: new TextArrayType(), default: '{}' })
  kinds: string[] & Opt = [];

  @Property({ type: 'boolean', default: true })
  enabled: boolean & Opt = true;

  @Property({ type: 'text', nullable: true })
  disabledReason: string | null = null;

  @Property({ type: 'text' })
  secret!: string;

  /** After a rotation the old secret still signs, beside the new one, until it expires. */
  @Property({ type: 'text', nullable: true })
  previousSecret: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null = null;

  /** The last change of the log turned into this endpoint's deliveries (at creation: the head). */
  @Property({ type: 'string', columnType: 'xid8' })
  streamXid!: string;

  @Property({ type: 'bigint' })
  streamId!: string;

  /** Since when every delivery has given up (null once one is delivered): 24 h of it disables the endpoint. */
  @Property({ type: 'timestamptz', nullable: true })
  failingSince: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  updatedAt!: Date;
}
