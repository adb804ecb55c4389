/** Who is calling (docs/domain.md "Who may do what"). Anonymous callers may reach nothing but introspection. */
export type Principal =
  | { readonly role: 'ANONYMOUS' }
  | { readonly role: 'ADMIN' }
  | { readonly role: 'AGENT'; readonly agentId: string; readonly tokenId: string }
  | { readonly role: 'INTEGRATION'; readonly channelId: string; readonly tokenId: string };

export type Role = Exclude<Principal['role'], 'ANONYMOUS'>;

export const ANONYMOUS: Principal = { role: 'ANONYMOUS' };
export const ADMIN: Principal = { role: 'ADMIN' };
