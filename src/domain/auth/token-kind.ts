/** Who a bearer token signs in: an agent, or a channel's integration (the admin's comes from env). */
export enum ApiTokenKind {
  AGENT = 'AGENT',
  INTEGRATION = 'INTEGRATION',
}
