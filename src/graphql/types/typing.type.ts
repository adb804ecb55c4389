import { Field, ObjectType } from 'type-graphql';
import type { TypingSignal } from '../../domain/typing/typing-lapse';
import { AuthorType } from '../enums';

@ObjectType('TypingEvent', {
  description:
    "Someone started or stopped typing on a ticket: its assignee, or its end user (through the channel's integration). Not stored.",
})
export class TypingEventType {
  @Field(() => AuthorType, {
    description: 'AGENT: the assignee (see `agent`); END_USER: the end user, as relayed by the integration.',
  })
  authorType!: AuthorType;

  @Field({
    description:
      'Typing (true, renewed every few seconds while it lasts), or stopped (false: said so, or a true not renewed within 6 s lapsed).',
  })
  typing!: boolean;

  @Field({ description: 'When it was said; for a lapse, when the true lapsed.' })
  at!: Date;

  ticketId!: string;
  agentId!: string | null;

  static from(signal: TypingSignal): TypingEventType {
    return Object.assign(new TypingEventType(), {
      authorType: signal.authorType,
      typing: signal.typing,
      at: signal.at,
      ticketId: signal.ticketId,
      agentId: signal.agentId,
    });
  }
}
