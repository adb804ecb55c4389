import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type AgentStatus,
  DEFAULT_CAPACITY,
  normalizeEmail,
  validateCapacity,
} from '../domain/agent/agent.rules';
import type { Clock } from '../domain/clock';
import { notFound } from '../domain/errors';
import { normalizeSkills } from '../domain/skills';
import { normalizeName, rejectNull } from '../domain/text';
import { AgentEntity } from '../entities/agent.entity';
import type { AuthService } from './auth.service';
import type { ChangeRunner } from './changes/change.runner';
import { refuseDuplicates } from './db-errors';
import { isId, requireId } from './ids';

export interface CreateAgentInput {
  name: string;
  email: string;
  skills?: readonly string[] | null;
  capacity?: number | null;
}

export interface UpdateAgentInput {
  name?: string | null;
  skills?: readonly string[] | null;
  capacity?: number | null;
}

const EMAIL_TAKEN = {
  agents_email_lower_unique: {
    field: 'input.email',
    message: 'input.email is already used by another agent',
  },
};

export class AgentService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly auth: AuthService,
    private readonly changes: ChangeRunner,
  ) {}

  async get(id: string): Promise<AgentEntity> {
    const agent = await this.em.fork().findOne(AgentEntity, { id: requireId('Agent', id) });
    if (!agent) throw notFound('Agent', id);
    return agent;
  }

  list(): Promise<AgentEntity[]> {
    return this.em.fork().find(AgentEntity, {}, { orderBy: { name: 'asc', id: 'asc' } });
  }

  /** For batching loaders: unknown or malformed ids are simply absent from the result. */
  findByIds(ids: readonly string[]): Promise<AgentEntity[]> {
    return this.em.fork().find(AgentEntity, { id: { $in: ids.filter(isId) } });
  }

  async create(input: CreateAgentInput): Promise<{ agent: AgentEntity; token: string }> {
    const name = normalizeName('input.name', input.name);
    const email = normalizeEmail('input.email', input.email);
    const skills = normalizeSkills('input.skills', input.skills ?? []);
    const capacity = validateCapacity('input.capacity', input.capacity ?? DEFAULT_CAPACITY);
    const now = this.clock.now();

    return refuseDuplicates(
      () =>
        this.em.fork().transactional(async (em) => {
          const agent = em.create(AgentEntity, {
            name,
            email,
            skills,
            capacity,
            statusSince: now,
            createdAt: now,
            updatedAt: now,
          });
          const { token } = this.auth.issueAgentToken(em, agent);
          await em.flush();
          return { agent, token };
        }),
      EMAIL_TAKEN,
    );
  }

  async update(id: string, input: UpdateAgentInput): Promise<AgentEntity> {
    const agentId = requireId('Agent', id);
    const name = rejectNull('input.name', input.name);
    const skills = rejectNull('input.skills', input.skills);
    const capacity = rejectNull('input.capacity', input.capacity);
    const changes: Partial<Pick<AgentEntity, 'name' | 'skills' | 'capacity'>> = {};
    if (name !== undefined) changes.name = normalizeName('input.name', name);
    if (skills !== undefined) changes.skills = normalizeSkills('input.skills', skills);
    if (capacity !== undefined) changes.capacity = validateCapacity('input.capacity', capacity);

    const { value } = await this.changes.run(async (change) => {
      const found = await change.tx.findOne(AgentEntity, { id: agentId });
      if (!found) throw notFound('Agent', id);
      change.tx.assign(found, { ...changes, updatedAt: this.clock.now() });
      // agentChanged subscribers show the name too; only capacity or skills can place waiting tickets.
      change.after({ type: 'AGENT_CHANGED', agentId: found.id });
      if (changes.capacity !== undefined || changes.skills !== undefined) change.after({ type: 'ROUTE' });
      return found;
    });
    return value;
  }

  /**
   * ONLINE makes the agent routable; AWAY or OFFLINE gives its open offers back to routing (its
   * OPEN tickets stay), in the same transaction.
   */
  async setStatus(id: string, status: AgentStatus): Promise<AgentEntity> {
    const agentId = requireId('Agent', id);
    const { value } = await this.changes.run(async (change) => {
      const found = await change.tx.findOne(
        AgentEntity,
        { id: agentId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!found) throw notFound('Agent', id);
      await change.setAgentStatus(found, status, this.clock.now());
      return found;
    });
    return value;
  }
}
