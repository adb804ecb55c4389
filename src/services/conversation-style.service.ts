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
import type { ChangeRunner } from './changes/change.runner';
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

/** What readers of a style need; a ConversationStyleEntity is one. */
export type ConversationStyleView = Pick<
  ConversationStyleEntity,
  'id' | 'name' | 'kind' | 'closeAfterSolvedSeconds'
>;

interface StyleRow {
  id: string;
  name: string;
  kind: ConversationStyleEntity['kind'];
  close_after_solved_seconds: number;
}

export class ConversationStyleService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly changes: ChangeRunner,
  ) {}

  /**
   * Plain rows rather than managed entities: the list is read on every dashboard load and its
   * callers only map it, so hydrating entities into an identity map (several times the cost of the
   * query itself) buys nothing.
   */
  async list(): Promise<ConversationStyleView[]> {
    const rows = await this.em
      .getConnection()
      .execute<StyleRow[]>(
        `select id, name, kind, close_after_solved_seconds from conversation_styles order by created_at, name`,
      );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind,
      closeAfterSolvedSeconds: r.close_after_solved_seconds,
    }));
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

    const { value: style } = await refuseDuplicates(
      () =>
        this.changes.run(async (change) => {
          const em = change.tx;
          const found = await em.findOne(ConversationStyleEntity, { id: styleId });
          if (!found) throw notFound('ConversationStyle', id);
          if (newName !== undefined) found.name = newName;
          if (seconds !== undefined && seconds !== found.closeAfterSolvedSeconds) {
            found.closeAfterSolvedSeconds = validateCloseAfterSolvedSeconds(
              'input.closeAfterSolvedSeconds',
              found.kind,
              seconds,
            );
            // docs/domain.md "Conversation styles": a new interval moves the close of this style's
            // tickets that are SOLVED now. Raw rows: MikroORM's connection returns timestamps as strings.
            const moved = await em.execute<
              { id: string; solved_at: string | Date; closes_at: string | Date }[]
            >(
              `update tickets set closes_at = solved_at + make_interval(secs => ?), updated_at = ?
                where style_id = ? and status = 'SOLVED' returning id, solved_at, closes_at`,
              [found.closeAfterSolvedSeconds, this.clock.now(), found.id],
            );
            for (const ticket of moved) {
              change.after({
                type: 'SCHEDULE_CLOSE',
                ticketId: ticket.id,
                solvedAt: new Date(ticket.solved_at),
                at: new Date(ticket.closes_at),
              });
            }
          } else if (seconds !== undefined) {
            validateCloseAfterSolvedSeconds('input.closeAfterSolvedSeconds', found.kind, seconds);
          }
          found.updatedAt = this.clock.now();
          return found;
        }),
      NAME_TAKEN,
    );
    return style;
  }
}
