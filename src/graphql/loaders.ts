import DataLoader from 'dataloader';
import type { ConversationStyleEntity } from '../entities/conversation-style.entity';
import type { Services } from '../services/services.factory';

/** Per-request batching, so a list of N channels costs one style query, not N. */
export interface Loaders {
  conversationStyle: DataLoader<string, ConversationStyleEntity | undefined>;
}

function byId<T extends { id: string }>(load: (ids: readonly string[]) => Promise<T[]>) {
  return new DataLoader<string, T | undefined>(async (ids) => {
    const rows = new Map((await load(ids)).map((row) => [row.id, row]));
    return ids.map((id) => rows.get(id));
  });
}

export function createLoaders(services: Services): Loaders {
  return {
    conversationStyle: byId((ids) => services.conversationStyles.findByIds(ids)),
  };
}
