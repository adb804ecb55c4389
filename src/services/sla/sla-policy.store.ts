import type { EntityManager } from '@mikro-orm/postgresql';
import type { BusinessHours } from '../../domain/sla/business-time';
import { policyOrder, type SlaPolicyData } from '../../domain/sla/sla.rules';
import type { TicketPriority } from '../../domain/ticket/ticket.enums';
import type { SlaPolicyEntity } from '../../entities/sla-policy.entity';

/**
 * Every SLA policy as one JSON value, for a statement that needs them beside its own work
 * (ingestion's first statement reads them this way, saving a round trip). Policies are few.
 */
export const SLA_POLICIES_JSON = `(select coalesce(json_agg(p), '[]'::json) from sla_policies p)`;

interface PolicyJson {
  id: string;
  name: string;
  position: number;
  priorities: TicketPriority[] | null;
  channel_ids: string[] | null;
  first_reply_seconds: number | null;
  next_reply_seconds: number | null;
  resolution_seconds: number | null;
  business_hours: BusinessHours | null;
  created_at: string;
}

/** SLA_POLICIES_JSON's value as the domain's policies, in the order they are tried. */
export function slaPoliciesOf(json: unknown): SlaPolicyData[] {
  const rows = (Array.isArray(json) ? json : []) as PolicyJson[];
  return rows
    .map((p) => ({
      id: p.id,
      name: p.name,
      position: p.position,
      priorities: p.priorities ?? [],
      channelIds: p.channel_ids ?? [],
      firstReplySeconds: p.first_reply_seconds,
      nextReplySeconds: p.next_reply_seconds,
      resolutionSeconds: p.resolution_seconds,
      businessHours: p.business_hours,
      createdAt: new Date(p.created_at),
    }))
    .sort(policyOrder);
}

/** Every policy, in one statement, in the order they are tried. */
export async function loadSlaPolicies(em: EntityManager): Promise<SlaPolicyData[]> {
  const [row] = await em.execute<{ policies: unknown }[]>(`select ${SLA_POLICIES_JSON} as policies`);
  return slaPoliciesOf(row?.policies);
}

/** A policy row as the domain's policy. */
export function slaPolicyDataOf(entity: SlaPolicyEntity): SlaPolicyData {
  return {
    id: entity.id,
    name: entity.name,
    position: entity.position,
    priorities: entity.priorities,
    channelIds: entity.channelIds,
    firstReplySeconds: entity.firstReplySeconds,
    nextReplySeconds: entity.nextReplySeconds,
    resolutionSeconds: entity.resolutionSeconds,
    businessHours: entity.businessHours,
    createdAt: entity.createdAt,
  };
}
