/**
 * Schema version 9. Accounts, users, members and their project scopes, sessions with their
 * rotating refresh tokens, admin tokens, invites, the first owner's setup tokens, the keys that
 * sign access tokens; projects belong to an account; the audit log names who, with which
 * credential, on what, from where (issue 12).
 * Never edit a shipped migration: add the next one.
 */
export const up = `
  CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;

  -- A person: global, a member of one or more accounts. email_key is the lowercased address.
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    name TEXT,
    password_hash TEXT NOT NULL,
    password_changed_at INTEGER NOT NULL,
    last_login_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;

  -- granted/withdrawn: per-member overrides of the role's permissions (JSON arrays).
  -- all_projects = 0: the member sees only the projects in member_projects.
  CREATE TABLE members (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'sender', 'viewer')),
    granted TEXT NOT NULL DEFAULT '[]',
    withdrawn TEXT NOT NULL DEFAULT '[]',
    all_projects INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    invited_by TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    suspended_at INTEGER,
    UNIQUE (account_id, user_id)
  ) STRICT;
  CREATE INDEX members_user ON members(user_id);
  CREATE INDEX members_account_list ON members(account_id, created_at, id);
  CREATE INDEX members_owners ON members(account_id) WHERE role = 'owner' AND status = 'active';

  CREATE TABLE member_projects (
    member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    PRIMARY KEY (member_id, project_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX member_projects_project ON member_projects(project_id);

  -- A session is one refresh-token family: every rotation stays in it, and reuse revokes it whole.
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    revoked_reason TEXT,
    ip TEXT,
    user_agent TEXT
  ) STRICT;
  CREATE INDEX sessions_member_live ON sessions(member_id) WHERE revoked_at IS NULL;

  -- Refresh tokens by SHA-256; used_at is set when one is rotated (a second use is a reuse).
  CREATE TABLE refresh_tokens (
    hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

  CREATE TABLE admin_tokens (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    permissions TEXT NOT NULL,
    all_projects INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    last_used_at INTEGER
  ) STRICT;
  CREATE INDEX admin_tokens_account_list ON admin_tokens(account_id, created_at, id);
  CREATE INDEX admin_tokens_member ON admin_tokens(member_id);

  CREATE TABLE admin_token_projects (
    token_id TEXT NOT NULL REFERENCES admin_tokens(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    PRIMARY KEY (token_id, project_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX admin_token_projects_project ON admin_token_projects(project_id);

  CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'sender', 'viewer')),
    granted TEXT NOT NULL DEFAULT '[]',
    withdrawn TEXT NOT NULL DEFAULT '[]',
    project_ids TEXT,
    hash TEXT NOT NULL UNIQUE,
    invited_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    accepted_at INTEGER,
    revoked_at INTEGER
  ) STRICT;
  CREATE INDEX invites_account_list ON invites(account_id, created_at, id);
  CREATE UNIQUE INDEX invites_pending ON invites(account_id, email_key) WHERE accepted_at IS NULL AND revoked_at IS NULL;

  CREATE TABLE setup_tokens (
    hash TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
  ) STRICT, WITHOUT ROWID;

  -- The keys that sign access tokens (ES256); the highest seq is current. Private JWKs sealed.
  CREATE TABLE auth_signing_keys (
    seq INTEGER PRIMARY KEY,
    kid TEXT NOT NULL UNIQUE,
    alg TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    sealed_private_jwk TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  -- NULL until the first owner adopts it (projects made by the CLI before any account existed).
  ALTER TABLE projects ADD COLUMN account_id TEXT REFERENCES accounts(id);
  CREATE INDEX projects_account_list ON projects(account_id, created_at, id);

  -- credential: 'session:<sid>' | 'admin_token:<id>' | 'key:<id>' | 'cli' | 'system'.
  -- before/after: the resource around the change, secrets redacted (JSON).
  ALTER TABLE audit ADD COLUMN account_id TEXT;
  ALTER TABLE audit ADD COLUMN actor_id TEXT;
  ALTER TABLE audit ADD COLUMN credential TEXT;
  ALTER TABLE audit ADD COLUMN resource_type TEXT;
  ALTER TABLE audit ADD COLUMN resource_id TEXT;
  ALTER TABLE audit ADD COLUMN before TEXT;
  ALTER TABLE audit ADD COLUMN after TEXT;
  ALTER TABLE audit ADD COLUMN ip TEXT;
  ALTER TABLE audit ADD COLUMN user_agent TEXT;
  ALTER TABLE audit ADD COLUMN request_id TEXT;
  CREATE INDEX audit_account_at ON audit(account_id, at, id);
  CREATE INDEX audit_account_action ON audit(account_id, action, at, id);
  CREATE INDEX audit_account_actor ON audit(account_id, actor_id, at, id);
  CREATE INDEX audit_account_resource ON audit(account_id, resource_type, resource_id, at, id);
  `;
