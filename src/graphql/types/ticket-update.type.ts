import { Field, InputType } from 'type-graphql';
import { TicketPriority } from '../enums';

@InputType('UpdateTicketInput', {
  description:
    "A ticket's priority and skills, changed by its assignee or an admin. Omitted fields keep their value; null is refused.",
})
export class UpdateTicketInput {
  @Field(() => TicketPriority, { nullable: true, description: "The ticket's place in the queue." })
  priority?: TicketPriority | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Replaces the required skills ([] for none); each 1-64 of [a-z0-9_-].',
  })
  requiredSkills?: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description:
      'Replaces the optional skills ([] for none); each 1-64 of [a-z0-9_-]. One also required is required.',
  })
  optionalSkills?: string[] | null;
}
