import type { ServerResponse } from 'node:http';

/**
 * Headers every response carries. The API serves JSON, never a page to frame or a script to sniff;
 * in production it serves no page at all (the landing page is off), so the content policy forbids
 * everything. HSTS only means something behind HTTPS, which production deployments terminate.
 */
export function securityHeaders(production: boolean): (res: ServerResponse) => void {
  const headers: [string, string][] = [
    ['x-content-type-options', 'nosniff'],
    ['x-frame-options', 'DENY'],
    ['referrer-policy', 'no-referrer'],
    ['cross-origin-resource-policy', 'same-origin'],
    ['cross-origin-opener-policy', 'same-origin'],
    ...(production
      ? ([
          ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
          ['strict-transport-security', 'max-age=31536000; includeSubDomains'],
        ] as [string, string][])
      : []),
  ];
  return (res) => {
    for (const [name, value] of headers) res.setHeader(name, value);
  };
}
