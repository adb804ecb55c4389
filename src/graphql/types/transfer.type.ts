import { Field, ID, InputType } from 'type-graphql';

@InputType('TransferTicketInput', {
  description: 'A ticket handed to a colleague or back to the queue, optionally with an internal note.',
})
export class TransferTicketInput {
  @Field(() => ID, { description: "The ticket's id: NEW, OPEN, PENDING or ON_HOLD." })
  ticketId!: string;

  @Field(() => ID, {
    nullable: true,
    description:
      'The agent to hand it to: an offer (the ticket is NEW until accepted), or with auto-accept an assignment. An agent may name only an ONLINE colleague with room (load below capacity); an admin anyone. None: back to the queue, keeping its place, and never offered back to the previous assignee.',
  })
  toAgentId?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'An internal note for the colleagues (1 to 10,000 characters), added by the caller right after the transfer; never shown to integrations.',
  })
  note?: string | null;
}
