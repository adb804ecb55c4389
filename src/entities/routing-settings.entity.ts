import { Check, Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { DEFAULT_OFFER_TIMEOUT_SECONDS } from '../domain/routing/routing-settings.rules';

/** A single row (id 1): routing settings are global to the installation. */
@Entity({ tableName: 'routing_settings' })
@Check({ name: 'routing_settings_singleton', expression: 'id = 1' })
@Check({
  name: 'routing_settings_offer_timeout_range',
  expression: 'offer_timeout_seconds >= 5 and offer_timeout_seconds <= 3600',
})
// Null (never) passes a check: only a value is held to the range.
@Check({
  name: 'routing_settings_away_after_disconnect_range',
  expression: 'away_after_disconnect_seconds >= 0 and away_after_disconnect_seconds <= 2592000',
})
@Check({
  name: 'routing_settings_reassign_after_offline_range',
  expression: 'reassign_after_offline_seconds >= 0 and reassign_after_offline_seconds <= 2592000',
})
@Check({
  name: 'routing_settings_skills_timeout_range',
  expression: 'skills_timeout_seconds >= 0 and skills_timeout_seconds <= 2592000',
})
export class RoutingSettingsEntity {
  static readonly SINGLETON_ID = 1;

  @PrimaryKey({ type: 'integer', autoincrement: false })
  id: number = RoutingSettingsEntity.SINGLETON_ID;

  @Property({ type: 'integer' })
  offerTimeoutSeconds: number & Opt = DEFAULT_OFFER_TIMEOUT_SECONDS;

  @Property({ type: 'boolean' })
  autoAccept: boolean & Opt = false;

  /** docs/domain.md "Presence": an ONLINE agent with no socket this long goes AWAY; null: never. */
  @Property({ type: 'integer', nullable: true })
  awayAfterDisconnectSeconds: (number & Opt) | null = null;

  /** docs/domain.md "Presence": an agent OFFLINE this long gives its tickets back; null: never. */
  @Property({ type: 'integer', nullable: true })
  reassignAfterOfflineSeconds: (number & Opt) | null = null;

  /** docs/domain.md "Routing": after this much waiting, optional skills stop counting; null: never. */
  @Property({ type: 'integer', nullable: true })
  skillsTimeoutSeconds: (number & Opt) | null = null;

  @Property({ type: 'timestamptz' })
  updatedAt!: Date;
}
