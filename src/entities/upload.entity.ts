import { Check, Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { ActorType } from '../domain/ticket/ticket.enums';
import { MessageEntity } from './message.entity';

/**
 * A file sent to POST /uploads (docs/domain.md "Attachments"): unattached until one message of
 * the same caller takes it, within the attach window; the sweep removes it (and its bytes) if none
 * does. Attached, it is that message's Attachment.
 */
@Entity({ tableName: 'uploads' })
// The owner: an agent (its id), an integration (its channel's id), or the admins (no id).
@Check({
  name: 'uploads_owner',
  expression: "owner_type <> 'SYSTEM' and (owner_type = 'ADMIN') = (owner_id is null)",
})
@Check({ name: 'uploads_size', expression: 'size >= 0' })
@Check({
  name: 'uploads_file_name_length',
  expression: 'char_length(file_name) >= 1 and char_length(file_name) <= 255',
})
// The sweep's read: unattached uploads, oldest first.
@Index({
  name: 'uploads_unattached_index',
  expression:
    'create index "uploads_unattached_index" on "uploads" ("created_at") where "message_id" is null',
})
export class UploadEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => ActorType, nativeEnumName: 'actor_type' })
  ownerType!: ActorType;

  @Property({ type: 'uuid', nullable: true })
  ownerId: string | null = null;

  /** The client's name, cleaned (domain/attachment/attachment.rules.ts): display text only. */
  @Property({ type: 'text' })
  fileName!: string;

  @Property({ type: 'text' })
  contentType!: string;

  @Property({ type: 'integer' })
  size!: number;

  /** Where the storage port keeps the bytes (the local store: the file named so under PARLEY_UPLOAD_DIR). */
  @Property({ type: 'text' })
  storageKey!: string;

  // A message deleted with its ticket leaves its uploads unattached and old: the sweep removes them
  // with their bytes, which a cascade would leave on disk.
  @Index({ name: 'uploads_message_id_index' })
  @ManyToOne(() => MessageEntity, { ref: true, nullable: true, deleteRule: 'set null' })
  message: Ref<MessageEntity> | null = null;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;
}
