/**
 * Schema version 21: contacts' CSV imports (issue 16). `contact_imports` holds each import's
 * settings, its progress (data rows read and committed, and what they did), and its outcome; it is
 * written in the same transaction as each chunk of contacts, so a resumed import starts exactly
 * after the last committed row. `contact_import_errors` keeps the refused rows (the downloadable
 * report, up to a cap per import). Contacts without a phone are matched again by email.
 */
export const up = `
  CREATE TABLE contact_imports (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    file_name TEXT,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    settings TEXT NOT NULL,
    rows INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX contact_imports_project ON contact_imports(project_id, created_at, id);
  CREATE INDEX contact_imports_unfinished ON contact_imports(updated_at) WHERE status IN ('queued', 'processing');
  CREATE TABLE contact_import_errors (
    import_id TEXT NOT NULL REFERENCES contact_imports(id) ON DELETE CASCADE,
    row INTEGER NOT NULL,
    line INTEGER NOT NULL,
    field TEXT,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (import_id, row)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX contacts_email ON contacts(project_id, email) WHERE email IS NOT NULL;
`;
