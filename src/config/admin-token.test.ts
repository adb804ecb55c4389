import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveAdminToken } from './admin-token';

describe('resolveAdminToken', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-admin-token-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('uses ADMIN_TOKEN when set, and writes nothing', () => {
    expect(resolveAdminToken({ adminToken: 'y'.repeat(40), dataDir })).toEqual({
      token: 'y'.repeat(40),
      source: 'ADMIN_TOKEN',
    });
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('generates a token once, readable only by its owner, and keeps it for the next start', () => {
    const first = resolveAdminToken({ adminToken: undefined, dataDir });
    expect(first.token).toMatch(/^prl_admin_[A-Za-z0-9_-]{43}$/);
    const file = path.join(dataDir, 'admin-token');
    expect(first.source).toBe(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveAdminToken({ adminToken: undefined, dataDir })).toEqual(first);
  });
});
