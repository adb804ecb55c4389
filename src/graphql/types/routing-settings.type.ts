import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';

/** There is one set of routing settings: its identity never changes. */
export const ROUTING_SETTINGS_ID = 'routing-settings';
import type { RoutingSettingsEntity } from '../../entities/routing-settings.entity';

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

  static from(entity: RoutingSettingsEntity): RoutingSettingsType {
    return Object.assign(new RoutingSettingsType(), {
      id: ROUTING_SETTINGS_ID,
      offerTimeoutSeconds: entity.offerTimeoutSeconds,
      autoAccept: entity.autoAccept,
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
}
