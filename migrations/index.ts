import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261127000000_foundation } from './Migration20261127000000_foundation';
import { Migration20261127100000_conversations } from './Migration20261127100000_conversations';
import { Migration20261127200000_routing } from './Migration20261127200000_routing';
import { Migration20261201000000_ticket_stats } from './Migration20261201000000_ticket_stats';
import { Migration20261201100000_event_stream } from './Migration20261201100000_event_stream';
import { Migration20261201200000_change_previous_state } from './Migration20261201200000_change_previous_state';
import { Migration20261201300000_offer_in_event_stream } from './Migration20261201300000_offer_in_event_stream';
import { Migration20261201310000_client_message_id } from './Migration20261201310000_client_message_id';
import { Migration20261201400000_webhooks } from './Migration20261201400000_webhooks';
import { Migration20261201410000_message_delivery } from './Migration20261201410000_message_delivery';
import { Migration20261201500000_internal_notes } from './Migration20261201500000_internal_notes';
import { Migration20261201510000_uploads } from './Migration20261201510000_uploads';
import { Migration20261201520000_read_state_search } from './Migration20261201520000_read_state_search';
import { Migration20261201530000_transfer } from './Migration20261201530000_transfer';
import { Migration20261201600000_routing_follows_agent } from './Migration20261201600000_routing_follows_agent';
import { Migration20261201610000_optional_skills } from './Migration20261201610000_optional_skills';
import { Migration20261201620000_sla } from './Migration20261201620000_sla';

/** Every migration, in order. Add new ones here too: the ORM is given this list, not a folder glob. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261127000000_foundation', class: Migration20261127000000_foundation },
  { name: 'Migration20261127100000_conversations', class: Migration20261127100000_conversations },
  { name: 'Migration20261127200000_routing', class: Migration20261127200000_routing },
  { name: 'Migration20261201000000_ticket_stats', class: Migration20261201000000_ticket_stats },
  { name: 'Migration20261201100000_event_stream', class: Migration20261201100000_event_stream },
  {
    name: 'Migration20261201200000_change_previous_state',
    class: Migration20261201200000_change_previous_state,
  },
  {
    name: 'Migration20261201300000_offer_in_event_stream',
    class: Migration20261201300000_offer_in_event_stream,
  },
  { name: 'Migration20261201310000_client_message_id', class: Migration20261201310000_client_message_id },
  { name: 'Migration20261201400000_webhooks', class: Migration20261201400000_webhooks },
  { name: 'Migration20261201410000_message_delivery', class: Migration20261201410000_message_delivery },
  { name: 'Migration20261201500000_internal_notes', class: Migration20261201500000_internal_notes },
  { name: 'Migration20261201510000_uploads', class: Migration20261201510000_uploads },
  { name: 'Migration20261201520000_read_state_search', class: Migration20261201520000_read_state_search },
  { name: 'Migration20261201530000_transfer', class: Migration20261201530000_transfer },
  {
    name: 'Migration20261201600000_routing_follows_agent',
    class: Migration20261201600000_routing_follows_agent,
  },
  { name: 'Migration20261201610000_optional_skills', class: Migration20261201610000_optional_skills },
  { name: 'Migration20261201620000_sla', class: Migration20261201620000_sla },
];
