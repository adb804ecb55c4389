import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config';

export interface AdminToken {
  token: string;
  /** 'ADMIN_TOKEN', or the file it is kept in; printed at start so the operator knows where to look. */
  source: string;
}

export const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * Outside production an unset ADMIN_TOKEN is generated once and kept in the data dir, so a restart
 * keeps working with the token the developer already copied.
 */
export function resolveAdminToken(config: Pick<Config, 'adminToken' | 'dataDir'>): AdminToken {
  if (config.adminToken !== undefined) return { token: config.adminToken, source: 'ADMIN_TOKEN' };
  const file = path.join(config.dataDir, ADMIN_TOKEN_FILE);
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o755 });
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length > 0) return { token: existing, source: file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = `prl_admin_${randomBytes(32).toString('base64url')}`;
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, source: file };
}
