import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { reopensOnReply } from '../../domain/conversation-style/conversation-style.rules';
import type { ConversationStyleView } from '../../services/conversation-style.service';
import { ConversationStyleKind } from '../enums';
import { Node, NODE_ID_DESCRIPTION } from './node.type';

@ObjectType('ConversationStyle', {
  description:
    "How a channel's conversations behave once solved: when they close, and whether a reply reopens them.",
  implements: Node,
})
export class ConversationStyleType {
  @Field(() => ID, { description: NODE_ID_DESCRIPTION })
  id!: string;

  @Field({ description: 'Unique, ignoring case.' })
  name!: string;

  @Field(() => ConversationStyleKind, {
    description: 'What solving and a returning customer do; never changes.',
  })
  kind!: ConversationStyleKind;

  @Field(() => Int, {
    description: 'Seconds from solve to close: 0 for LIVE_CHAT, else 1-2,419,200 (28 days).',
  })
  closeAfterSolvedSeconds!: number;

  @Field({ description: 'Whether an end-user message to a SOLVED ticket reopens it with the same agent.' })
  reopensOnReply!: boolean;

  static from(entity: ConversationStyleView): ConversationStyleType {
    return Object.assign(new ConversationStyleType(), {
      id: entity.id,
      name: entity.name,
      kind: entity.kind,
      closeAfterSolvedSeconds: entity.closeAfterSolvedSeconds,
      reopensOnReply: reopensOnReply(entity.kind),
    });
  }
}

@InputType('CreateConversationStyleInput', { description: 'A new conversation style.' })
export class CreateConversationStyleInput {
  @Field({ description: 'Unique, ignoring case.' })
  name!: string;

  @Field(() => ConversationStyleKind, { description: 'What solving and a returning customer do.' })
  kind!: ConversationStyleKind;

  @Field(() => Int, { nullable: true, description: "The kind's default when omitted (0, 3,600 or 345,600)." })
  closeAfterSolvedSeconds?: number | null;
}

@InputType('UpdateConversationStyleInput', {
  description: 'Omitted fields keep their value; the kind never changes.',
})
export class UpdateConversationStyleInput {
  @Field(() => String, { nullable: true, description: 'Unique, ignoring case.' })
  name?: string | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Seconds from solve to close: 0 for LIVE_CHAT, else 1-2,419,200. Applies to tickets solved from now on.',
  })
  closeAfterSolvedSeconds?: number | null;
}
