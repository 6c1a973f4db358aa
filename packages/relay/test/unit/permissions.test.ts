import { describe, expect, it } from 'vitest';
import {
  authorize,
  can,
  effectivePermissions,
  permissions,
  roleDefaults,
  visibleProject,
} from '../../src/domain/permissions.js';
import type { MemberPrincipal } from '../../src/domain/principal.js';
import { applyOverrides } from '../../src/features/accounts/members.js';
import { redact } from '../../src/domain/redact.js';

/** The role matrix of the accounts plan (issue 12), one row per permission. */
const matrix: Record<string, string> = {
  send_messages: 'owner admin manager sender',
  view_history: 'owner admin manager sender viewer',
  view_analytics: 'owner admin manager sender viewer',
  export_data: 'owner admin manager',
  manage_templates: 'owner admin manager',
  manage_keys: 'owner admin manager',
  manage_webhooks: 'owner admin manager',
  manage_campaigns: 'owner admin manager',
  manage_contacts: 'owner admin manager sender',
  manage_connectors: 'owner admin',
  manage_members: 'owner admin',
  manage_settings: 'owner admin',
  view_audit: 'owner admin',
};

const member = (overrides: Partial<MemberPrincipal> = {}): MemberPrincipal => ({
  kind: 'member',
  memberId: 'mbr_1',
  userId: 'usr_1',
  accountId: 'acc_1',
  role: 'sender',
  permissions: roleDefaults.sender,
  projectIds: null,
  sessionId: 'ses_1',
  via: 'bearer',
  ...overrides,
});

describe('roleDefaults', () => {
  it.each(permissions)('gives %s to the roles of the matrix', (permission) => {
    const holders = Object.entries(roleDefaults)
      .filter(([, set]) => set.has(permission))
      .map(([role]) => role);
    expect(holders.join(' ')).toBe(matrix[permission]);
  });
});

describe('effectivePermissions', () => {
  it('adds granted and removes withdrawn permissions, except for owners', () => {
    const set = effectivePermissions('viewer', ['send_messages'], ['view_analytics']);
    expect([...set].sort()).toEqual(['send_messages', 'view_history']);
    expect(effectivePermissions('owner', [], ['view_audit']).has('view_audit')).toBe(true);
  });
});

describe('applyOverrides', () => {
  it('keeps only what differs from the role', () => {
    expect(
      applyOverrides('sender', { granted: [], withdrawn: [] }, { grant: ['send_messages', 'view_audit'] }),
    ).toEqual({
      granted: ['view_audit'],
      withdrawn: [],
    });
    expect(
      applyOverrides(
        'sender',
        { granted: ['view_audit'], withdrawn: [] },
        { withdraw: ['view_audit', 'send_messages'] },
      ),
    ).toEqual({ granted: [], withdrawn: ['send_messages'] });
  });

  it.each([
    ['overrides on an owner', 'owner', { withdraw: ['view_audit'] }, 'withdraw'],
    [
      'a permission both granted and withdrawn',
      'admin',
      { grant: ['view_audit'], withdraw: ['view_audit'] },
      'withdraw',
    ],
  ] as const)('refuses %s', (_name, role, change, field) => {
    expect(() => applyOverrides(role, { granted: [], withdrawn: [] }, change)).toThrow(
      expect.objectContaining({ code: 'validation_failed', field }),
    );
  });
});

describe('authorize', () => {
  const own = { id: 'prj_a', accountId: 'acc_1' };
  it('answers 404 before 403: another account’s project, then a missing permission', () => {
    expect(() => authorize(member(), 'manage_keys', { id: 'prj_b', accountId: 'acc_2' })).toThrow(
      expect.objectContaining({ code: 'project_not_found' }),
    );
    expect(() => authorize(member(), 'manage_keys', own)).toThrow(
      expect.objectContaining({ code: 'forbidden', detail: { permission: 'manage_keys' } }),
    );
    expect(() => authorize(member(), 'send_messages', own)).not.toThrow();
  });

  it('hides the projects outside a member’s scope', () => {
    const scoped = member({ projectIds: new Set(['prj_a']) });
    expect(visibleProject(scoped, own)).toBe(true);
    expect(visibleProject(scoped, { id: 'prj_c', accountId: 'acc_1' })).toBe(false);
    expect(visibleProject({ kind: 'cli' }, { id: 'prj_x', accountId: null })).toBe(true);
    expect(visibleProject(member(), { id: 'prj_x', accountId: null })).toBe(false);
  });

  it('lets the CLI and the relay do anything', () => {
    expect(can({ kind: 'cli' }, 'view_audit')).toBe(true);
    expect(can({ kind: 'system' }, 'manage_members')).toBe(true);
  });
});

describe('redact', () => {
  it.each([
    ['credentials', { credentials: { authToken: 'x' } }, { credentials: '[redacted]' }],
    ['a password', { password: 'hunter2', newPassword: 'x' }, { password: '[redacted]', newPassword: '[redacted]' }],
    ['tokens and hashes', { refreshToken: 'mrt_x', hash: 'ab' }, { refreshToken: '[redacted]', hash: '[redacted]' }],
    [
      'a secret',
      { captchaSecret: 's', webhookSecret: 'w' },
      { captchaSecret: '[redacted]', webhookSecret: '[redacted]' },
    ],
    ['a nested private key', { key: { privateJwk: { d: 'x' } } }, { key: { privateJwk: '[redacted]' } }],
    ['a recipient', { to: '+212612345678' }, { to: '+********5678' }],
    ['plain values', { name: 'Shop', tokenId: 'atk_1', count: 2 }, { name: 'Shop', tokenId: 'atk_1', count: 2 }],
  ])('redacts %s', (_name, input, output) => {
    expect(redact(input)).toEqual(output);
  });
});
