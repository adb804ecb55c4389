import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import { forbidden, unauthenticated } from '../../domain/errors';
import type { AgentState } from '../../services/agent-changes.feed';
import type { GraphQLContext } from '../context';
import { AgentStatus } from '../enums';
import { AgentType, CreateAgentInput, CreateAgentPayload, UpdateAgentInput } from '../types/agent.type';
import { ApiTokenType } from '../types/api-token.type';

@Resolver(() => AgentType)
export class AgentResolver {
  @Authorized()
  @Query(() => AgentType, {
    nullable: true,
    description: 'The signed-in agent; null for admins and integrations.',
  })
  async me(@Ctx() { principal, services }: GraphQLContext): Promise<AgentType | null> {
    if (principal.role !== 'AGENT') return null;
    return AgentType.from(await services.agents.get(principal.agentId));
  }

  @Authorized('ADMIN', 'AGENT')
  @Query(() => AgentType, {
    nullable: true,
    description: 'One agent (NOT_FOUND for an unknown id). Admins and agents.',
  })
  async agent(
    @Arg('id', () => ID, { description: "The agent's id." }) id: string,
    @Ctx() { services }: GraphQLContext,
  ): Promise<AgentType> {
    return AgentType.from(await services.agents.get(id));
  }

  @Authorized('ADMIN', 'AGENT')
  @Query(() => [AgentType], { description: 'Every agent. Admins and agents.' })
  async agents(@Ctx() { services }: GraphQLContext): Promise<AgentType[]> {
    return (await services.agents.list()).map(AgentType.from);
  }

  @Authorized('ADMIN')
  @Mutation(() => CreateAgentPayload, {
    description: 'Adds an agent and issues its first token. Admins only.',
  })
  async createAgent(
    @Arg('input', () => CreateAgentInput, { description: 'The new agent.' }) input: CreateAgentInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<CreateAgentPayload> {
    const { agent, token } = await services.agents.create(input);
    return { agent: AgentType.from(agent), token };
  }

  @Authorized('ADMIN')
  @Mutation(() => AgentType, {
    description:
      "Changes an agent's name, skills or capacity; new skills or capacity run routing. Admins only.",
  })
  async updateAgent(
    @Arg('id', () => ID, { description: "The agent's id." }) id: string,
    @Arg('input', () => UpdateAgentInput, { description: 'What changes.' }) input: UpdateAgentInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<AgentType> {
    return AgentType.from(await services.agents.update(id, input));
  }

  @Authorized('AGENT', 'ADMIN')
  @Mutation(() => AgentType, { description: "Sets the signed-in agent's own status." })
  async setAgentStatus(
    @Arg('status', () => AgentStatus, {
      description: 'ONLINE takes tickets; AWAY or OFFLINE gives back its open offers.',
    })
    status: AgentStatus,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<AgentType> {
    if (principal.role !== 'AGENT') {
      throw forbidden("setAgentStatus sets the calling agent's own status; admins use setAgentStatusOf");
    }
    return AgentType.from(await services.agents.setStatus(principal.agentId, status));
  }

  @Authorized('ADMIN')
  @Mutation(() => AgentType, { description: "Sets any agent's status. Admins only." })
  async setAgentStatusOf(
    @Arg('agentId', () => ID, { description: "The agent's id." }) agentId: string,
    @Arg('status', () => AgentStatus, {
      description: 'ONLINE takes tickets; AWAY or OFFLINE gives back its open offers.',
    })
    status: AgentStatus,
    @Ctx() { services }: GraphQLContext,
  ): Promise<AgentType> {
    return AgentType.from(await services.agents.setStatus(agentId, status));
  }

  @Subscription(() => AgentType, {
    description:
      "An agent's status, capacity, skills and load as they change (agentId: that agent; none: every agent), each frame its state read after the change; an agent learns here it was set AWAY. Agents may watch themselves or all; admins anyone.",
    subscribe: ({
      args,
      context,
    }: SubscribeResolverData<unknown, { agentId?: string | null }, GraphQLContext>) => {
      const { principal, services } = context;
      const agentId = args.agentId ?? null;
      if (principal.role === 'ANONYMOUS') throw unauthenticated('Sign in first');
      if (principal.role === 'INTEGRATION') throw forbidden('Integrations cannot follow agents');
      if (principal.role === 'AGENT' && agentId !== null && principal.agentId !== agentId.toLowerCase()) {
        throw forbidden('An agent may watch itself or every agent, not another one alone');
      }
      return services.agentChanges.subscribe(agentId);
    },
  })
  agentChanged(
    @Root() state: AgentState,
    @Arg('agentId', () => ID, { nullable: true, description: 'One agent; none: every agent.' })
    _agentId: string | null | undefined,
    @Ctx() { loaders }: GraphQLContext,
  ): AgentType {
    // The load was read with the agent, after the change: the frame shows that one.
    loaders.agentLoad.prime(state.agent.id, state.load);
    return AgentType.from(state.agent);
  }

  @Authorized('ADMIN', 'AGENT')
  @FieldResolver(() => Int, {
    description: 'OPEN tickets assigned to the agent plus tickets offered to it. Admins and agents only.',
  })
  load(@Root() agent: AgentType, @Ctx() { loaders }: GraphQLContext): Promise<number> {
    return loaders.agentLoad.load(agent.id);
  }

  @Authorized('ADMIN')
  @FieldResolver(() => [ApiTokenType], {
    description: "The agent's tokens, newest first, revoked ones included. Admins only.",
  })
  async tokens(@Root() agent: AgentType, @Ctx() { loaders }: GraphQLContext): Promise<ApiTokenType[]> {
    return (await loaders.agentTokens.load(agent.id)).map(ApiTokenType.from);
  }
}
