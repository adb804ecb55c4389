import type { EntityManager } from '@mikro-orm/postgresql';
import { DEFAULT_AUTH_LIMITS, type AuthLimits } from '../config/limits';
import { ADMIN, ANONYMOUS, type Principal } from '../domain/auth/principal';
import type { Clock } from '../domain/clock';
import { unauthenticated } from '../domain/errors';
import type { AgentEntity } from '../entities/agent.entity';
import { ApiTokenEntity, ApiTokenKind } from '../entities/api-token.entity';
import type { ChannelEntity } from '../entities/channel.entity';
import { FailedAuthThrottle } from './failed-auth.throttle';
import { digestsEqual, generateToken, hashToken, type TokenPrefix } from './token';

interface TokenRow {
  id: string;
  kind: ApiTokenKind;
  token_hash: string;
  agent_id: string | null;
  channel_id: string | null;
}

export interface IssuedToken {
  /** The bearer token in clear: it exists only in this response, never in the database. */
  token: string;
  record: ApiTokenEntity;
}

/** Turns bearer tokens into principals, and issues the tokens agents and integrations sign in with. */
export class AuthService {
  private readonly adminTokenHash: string;
  private readonly throttle: FailedAuthThrottle;
  private lookups = 0;

  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    adminToken: string,
    limits: Pick<AuthLimits, 'failures' | 'negativeCacheMs'> = DEFAULT_AUTH_LIMITS,
  ) {
    this.adminTokenHash = hashToken(adminToken);
    this.throttle = new FailedAuthThrottle(limits, clock);
  }

  /**
   * `authorization` is the HTTP header value, or a WebSocket's connectionParams.authorization.
   * Absent → anonymous (refused later, per field); present but wrong → UNAUTHENTICATED at once, or
   * AuthThrottledError once `client` (its address key) is past its budget of failures.
   */
  async authenticate(authorization: string | undefined | null, client?: string): Promise<Principal> {
    if (authorization === undefined || authorization === null || authorization === '') return ANONYMOUS;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match?.[1]) {
      this.throttle.failed(client);
      throw unauthenticated('The Authorization value must be "Bearer <token>"');
    }
    const digest = hashToken(match[1]);
    if (digestsEqual(digest, this.adminTokenHash)) return ADMIN;
    const principal = await this.throttle.lookup(digest, client, () => this.find(digest));
    if (!principal) throw unauthenticated('The token is not valid');
    return principal;
  }

  /** Lookups of api_tokens made by authenticate(), for tests that prove a refusal made none. */
  get tokenLookups(): number {
    return this.lookups;
  }

  /** Every agent and integration request starts here: one indexed read of plain columns, no entity. */
  private async find(digest: string): Promise<Principal | null> {
    this.lookups++;
    const [token] = await this.em
      .getConnection()
      .execute<TokenRow[]>(
        'select id, kind, token_hash, agent_id, channel_id from api_tokens where token_hash = ? and revoked_at is null',
        [digest],
      );
    if (!token || !digestsEqual(token.token_hash, digest)) return null;
    if (token.kind === ApiTokenKind.AGENT && token.agent_id) {
      return { role: 'AGENT', agentId: token.agent_id, tokenId: token.id };
    }
    if (token.kind === ApiTokenKind.INTEGRATION && token.channel_id) {
      return { role: 'INTEGRATION', channelId: token.channel_id, tokenId: token.id };
    }
    return null;
  }

  /** Which of these tokens are revoked (or gone), for sockets that signed in with them earlier. */
  async revokedAmong(tokenIds: readonly string[]): Promise<string[]> {
    if (tokenIds.length === 0) return [];
    const live = await this.em
      .getConnection()
      .execute<{ id: string }[]>(
        'select id from api_tokens where id = any(?::uuid[]) and revoked_at is null',
        [`{${tokenIds.join(',')}}`],
      );
    const alive = new Set(live.map((row) => row.id));
    return tokenIds.filter((id) => !alive.has(id));
  }

  /** Persists (within the caller's transaction) a new token for the agent and returns it in clear, once. */
  issueAgentToken(em: EntityManager, agent: AgentEntity): IssuedToken {
    return this.issue(em, 'prl_agent', { kind: ApiTokenKind.AGENT, agent });
  }

  issueChannelToken(em: EntityManager, channel: ChannelEntity): IssuedToken {
    return this.issue(em, 'prl_int', { kind: ApiTokenKind.INTEGRATION, channel });
  }

  private issue(
    em: EntityManager,
    prefix: TokenPrefix,
    owner: { kind: ApiTokenKind; agent?: AgentEntity; channel?: ChannelEntity },
  ): IssuedToken {
    const token = generateToken(prefix);
    const tokenHash = hashToken(token);
    const record = em.create(ApiTokenEntity, { ...owner, tokenHash, createdAt: this.clock.now() });
    this.throttle.issued(tokenHash);
    return { token, record };
  }
}
