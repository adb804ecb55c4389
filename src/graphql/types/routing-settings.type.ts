import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';

/** There is one set of routing settings: its identity never changes. */
export const ROUTING_SETTINGS_ID = 'routing-settings';
import type { RoutingSettingsEntity } from '../../entities/routing-settings.entity';

const AWAY_AFTER_DISCONNECT =
  'An ONLINE agent whose last WebSocket closed and none reopened for this long is set AWAY (0-2,592,000 seconds; null: never).';
const REASSIGN_AFTER_OFFLINE =
  'An agent OFFLINE this long has its OPEN, PENDING and ON_HOLD tickets returned to the queue, keeping their priority and place (0-2,592,000 seconds; null: never).';
const SKILLS_TIMEOUT =
  'After a ticket has waited this long, its optional skills no longer count in routing (0-2,592,000 seconds; null: never).';
const NULL_MEANS_NEVER = 'Omitted: kept; null: set to never.';

@ObjectType('RoutingSettings', { description: 'How routing offers tickets; one set for the deployment.' })
export class RoutingSettingsType {
  @Field(() => ID, {
    description:
      'Always the same (there is one set of settings), so a normalised client cache updates it in place after updateRoutingSettings.',
  })
  id!: string;

  @Field(() => Int, { description: 'How long an agent has to accept an offer (5-3,600 seconds).' })
  offerTimeoutSeconds!: number;

  @Field({ description: 'Assign routed tickets directly (OPEN) instead of offering them.' })
  autoAccept!: boolean;

  @Field(() => Int, { nullable: true, description: AWAY_AFTER_DISCONNECT })
  awayAfterDisconnectSeconds!: number | null;

  @Field(() => Int, { nullable: true, description: REASSIGN_AFTER_OFFLINE })
  reassignAfterOfflineSeconds!: number | null;

  @Field(() => Int, { nullable: true, description: SKILLS_TIMEOUT })
  skillsTimeoutSeconds!: number | null;

  static from(entity: RoutingSettingsEntity): RoutingSettingsType {
    return Object.assign(new RoutingSettingsType(), {
      id: ROUTING_SETTINGS_ID,
      offerTimeoutSeconds: entity.offerTimeoutSeconds,
      autoAccept: entity.autoAccept,
      awayAfterDisconnectSeconds: entity.awayAfterDisconnectSeconds,
      reassignAfterOfflineSeconds: entity.reassignAfterOfflineSeconds,
      skillsTimeoutSeconds: entity.skillsTimeoutSeconds,
    });
  }
}

@InputType('RoutingSettingsInput', { description: 'Omitted fields keep their value.' })
export class RoutingSettingsInput {
  @Field(() => Int, {
    nullable: true,
    description: 'How long an agent has to accept an offer (5-3,600 seconds).',
  })
  offerTimeoutSeconds?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Assign routed tickets directly (OPEN) instead of offering them.',
  })
  autoAccept?: boolean | null;

  @Field(() => Int, { nullable: true, description: `${AWAY_AFTER_DISCONNECT} ${NULL_MEANS_NEVER}` })
  awayAfterDisconnectSeconds?: number | null;

  @Field(() => Int, { nullable: true, description: `${REASSIGN_AFTER_OFFLINE} ${NULL_MEANS_NEVER}` })
  reassignAfterOfflineSeconds?: number | null;

  @Field(() => Int, { nullable: true, description: `${SKILLS_TIMEOUT} ${NULL_MEANS_NEVER}` })
  skillsTimeoutSeconds?: number | null;
}
