import { Check, Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { DEFAULT_OFFER_TIMEOUT_SECONDS } from '../domain/routing/routing-settings.rules';

/** A single row (id 1): routing settings are global to the installation. */
@Entity({ tableName: 'routing_settings' })
@Check({ name: 'routing_settings_singleton', expression: 'id = 1' })
@Check({
  name: 'routing_settings_offer_timeout_range',
  expression: 'offer_timeout_seconds >= 5 and offer_timeout_seconds <= 3600',
})
export class RoutingSettingsEntity {
  static readonly SINGLETON_ID = 1;

  @PrimaryKey({ type: 'integer', autoincrement: false })
  id: number = RoutingSettingsEntity.SINGLETON_ID;

  @Property({ type: 'integer' })
  offerTimeoutSeconds: number & Opt = DEFAULT_OFFER_TIMEOUT_SECONDS;

  @Property({ type: 'boolean' })
  autoAccept: boolean & Opt = false;

  @Property({ type: 'timestamptz' })
  updatedAt!: Date;
}
