import { Authorized, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { AgentEntity } from '../../entities/agent.entity';
import { AgentStatus } from '../enums';
import { Node, NODE_ID_DESCRIPTION } from './node.type';

@ObjectType('Agent', { description: 'A person who answers tickets.', implements: Node })
export class AgentType {
  @Field(() => ID, { description: NODE_ID_DESCRIPTION })
  id!: string;

  @Field({ description: 'Shown to colleagues and, through integrations, to customers.' })
  name!: string;

  // Integrations see who answers (id, name, status), not the person's address or workload.
  @Authorized('ADMIN', 'AGENT')
  @Field({ description: 'Admins and agents only (not integrations).' })
  email!: string;

  @Field(() => AgentStatus, { description: 'Only ONLINE agents are offered tickets.' })
  status!: AgentStatus;

  @Authorized('ADMIN', 'AGENT')
  @Field(() => [String], {
    description: 'Lowercase skill names; routing matches them against a ticket. Admins and agents only.',
  })
  skills!: string[];

  @Authorized('ADMIN', 'AGENT')
  @Field(() => Int, {
    description:
      'How many OPEN or offered tickets the agent can hold (0: never routed to). Admins and agents only.',
  })
  capacity!: number;

  @Authorized('ADMIN', 'AGENT')
  @Field(() => Date, {
    nullable: true,
    description: 'When the agent last accepted or was given a ticket. Admins and agents only.',
  })
  lastAssignedAt!: Date | null;

  static from(entity: AgentEntity): AgentType {
    return Object.assign(new AgentType(), {
      id: entity.id,
      name: entity.name,
      email: entity.email,
      status: entity.status,
      skills: entity.skills,
      capacity: entity.capacity,
      lastAssignedAt: entity.lastAssignedAt,
    });
  }
}

@ObjectType('CreateAgentPayload', { description: 'The new agent and its first bearer token.' })
export class CreateAgentPayload {
  @Field(() => AgentType, { description: 'The new agent, OFFLINE until it signs in and goes ONLINE.' })
  agent!: AgentType;

  @Field({ description: "The agent's bearer token. Shown only here, once: store it now." })
  token!: string;
}

@InputType('CreateAgentInput', { description: 'A new agent.' })
export class CreateAgentInput {
  @Field({ description: 'Trimmed; 1-200 characters.' })
  name!: string;

  @Field({ description: 'Unique, ignoring case.' })
  email!: string;

  @Field(() => [String], {
    nullable: true,
    description: 'Trimmed, lowercased and de-duplicated; each 1-64 of [a-z0-9_-].',
  })
  skills?: string[] | null;

  @Field(() => Int, { nullable: true, description: '0-100; 2 when omitted.' })
  capacity?: number | null;
}

@InputType('UpdateAgentInput', { description: 'Omitted fields keep their value.' })
export class UpdateAgentInput {
  @Field(() => String, { nullable: true, description: 'Trimmed; 1-200 characters.' })
  name?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Replaces the skills: trimmed, lowercased and de-duplicated; each 1-64 of [a-z0-9_-].',
  })
  skills?: string[] | null;

  @Field(() => Int, {
    nullable: true,
    description: '0-100. Lowering it never takes tickets away; raising it lets routing offer more at once.',
  })
  capacity?: number | null;
}
