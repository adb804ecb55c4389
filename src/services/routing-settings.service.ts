import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../domain/clock';
import {
  validateOfferTimeoutSeconds,
  validateRoutingDelaySeconds,
} from '../domain/routing/routing-settings.rules';
import { rejectNull } from '../domain/text';
import { RoutingSettingsEntity } from '../entities/routing-settings.entity';

export interface RoutingSettingsInput {
  offerTimeoutSeconds?: number | null;
  autoAccept?: boolean | null;
  awayAfterDisconnectSeconds?: number | null;
  reassignAfterOfflineSeconds?: number | null;
  skillsTimeoutSeconds?: number | null;
}

/** The settings where null is a value (never), not "keep": only an omitted field keeps its value. */
const DELAYS = ['awayAfterDisconnectSeconds', 'reassignAfterOfflineSeconds', 'skillsTimeoutSeconds'] as const;

export class RoutingSettingsService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /** The row is created by the first migration, so it always exists. */
  get(): Promise<RoutingSettingsEntity> {
    return this.em.fork().findOneOrFail(RoutingSettingsEntity, { id: RoutingSettingsEntity.SINGLETON_ID });
  }

  async update(input: RoutingSettingsInput): Promise<RoutingSettingsEntity> {
    const timeout = rejectNull('input.offerTimeoutSeconds', input.offerTimeoutSeconds);
    const autoAccept = rejectNull('input.autoAccept', input.autoAccept);
    if (timeout !== undefined) validateOfferTimeoutSeconds('input.offerTimeoutSeconds', timeout);
    const delays: Partial<Record<(typeof DELAYS)[number], number | null>> = {};
    for (const name of DELAYS) {
      const value = input[name];
      if (value !== undefined) delays[name] = validateRoutingDelaySeconds(`input.${name}`, value);
    }

    return this.em.fork().transactional(async (em) => {
      const settings = await em.findOneOrFail(RoutingSettingsEntity, {
        id: RoutingSettingsEntity.SINGLETON_ID,
      });
      if (timeout !== undefined) settings.offerTimeoutSeconds = timeout;
      if (autoAccept !== undefined) settings.autoAccept = autoAccept;
      // Presence's scheduled jobs read the settings when they run, and the sweep catches what a
      // changed delay makes due sooner: nothing to reschedule here.
      Object.assign(settings, delays);
      settings.updatedAt = this.clock.now();
      await em.flush();
      return settings;
    });
  }
}
