import { Check, Entity, Enum, PrimaryKey, Property, Unique, type Opt } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { ConversationStyleKind } from '../domain/conversation-style/conversation-style.rules';

@Entity({ tableName: 'conversation_styles' })
@Unique({
  name: 'conversation_styles_name_lower_unique',
  expression:
    'create unique index "conversation_styles_name_lower_unique" on "conversation_styles" (lower("name"))',
})
@Check({
  name: 'conversation_styles_close_after_range',
  expression:
    "(kind = 'LIVE_CHAT' and close_after_solved_seconds = 0) or (kind <> 'LIVE_CHAT' and close_after_solved_seconds >= 1 and close_after_solved_seconds <= 2419200)",
})
export class ConversationStyleEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  name!: string;

  @Enum({ items: () => ConversationStyleKind, nativeEnumName: 'conversation_style_kind' })
  kind!: ConversationStyleKind;

  @Property({ type: 'integer' })
  closeAfterSolvedSeconds!: number;

  /** The three styles that exist from the first start (docs/domain.md "Conversation styles"); editable, never deleted. */
  @Property({ type: 'boolean' })
  builtIn: boolean & Opt = false;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  updatedAt!: Date;
}
