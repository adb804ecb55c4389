import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../domain/clock';
import {
  DEFAULT_CLOSE_AFTER_SOLVED_SECONDS,
  type ConversationStyleKind,
  validateCloseAfterSolvedSeconds,
} from '../domain/conversation-style/conversation-style.rules';
import { notFound } from '../domain/errors';
import { normalizeName, rejectNull } from '../domain/text';
import { ConversationStyleEntity } from '../entities/conversation-style.entity';
import { refuseDuplicates } from './db-errors';
import { isId, requireId } from './ids';

export interface CreateConversationStyleInput {
  name: string;
  kind: ConversationStyleKind;
  closeAfterSolvedSeconds?: number | null;
}

export interface UpdateConversationStyleInput {
  name?: string | null;
  closeAfterSolvedSeconds?: number | null;
}

const NAME_TAKEN = {
  conversation_styles_name_lower_unique: {
    field: 'input.name',
    message: 'input.name is already used by another conversation style',
  },
};

export class ConversationStyleService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  list(): Promise<ConversationStyleEntity[]> {
    return this.em.fork().find(ConversationStyleEntity, {}, { orderBy: { createdAt: 'asc', name: 'asc' } });
  }

  findByIds(ids: readonly string[]): Promise<ConversationStyleEntity[]> {
    return this.em.fork().find(ConversationStyleEntity, { id: { $in: ids.filter(isId) } });
  }

  async create(input: CreateConversationStyleInput): Promise<ConversationStyleEntity> {
    const name = normalizeName('input.name', input.name);
    const closeAfterSolvedSeconds = validateCloseAfterSolvedSeconds(
      'input.closeAfterSolvedSeconds',
      input.kind,
      input.closeAfterSolvedSeconds ?? DEFAULT_CLOSE_AFTER_SOLVED_SECONDS[input.kind],
    );
    const now = this.clock.now();
    return refuseDuplicates(
      () =>
        this.em.fork().transactional(async (em) => {
          const style = em.create(ConversationStyleEntity, {
            name,
            kind: input.kind,
            closeAfterSolvedSeconds,
            createdAt: now,
            updatedAt: now,
          });
          await em.flush();
          return style;
        }),
      NAME_TAKEN,
    );
  }

  async update(id: string, input: UpdateConversationStyleInput): Promise<ConversationStyleEntity> {
    const styleId = requireId('ConversationStyle', id);
    const name = rejectNull('input.name', input.name);
    const seconds = rejectNull('input.closeAfterSolvedSeconds', input.closeAfterSolvedSeconds);
    const newName = name === undefined ? undefined : normalizeName('input.name', name);

    return refuseDuplicates(
      () =>
        this.em.fork().transactional(async (em) => {
          const style = await em.findOne(ConversationStyleEntity, { id: styleId });
          if (!style) throw notFound('ConversationStyle', id);
          if (newName !== undefined) style.name = newName;
          if (seconds !== undefined) {
            style.closeAfterSolvedSeconds = validateCloseAfterSolvedSeconds(
              'input.closeAfterSolvedSeconds',
              style.kind,
              seconds,
            );
          }
          style.updatedAt = this.clock.now();
          await em.flush();
          return style;
        }),
      NAME_TAKEN,
    );
  }
}
