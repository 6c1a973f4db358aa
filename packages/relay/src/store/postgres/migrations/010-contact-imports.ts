/** Version 10: contacts' CSV imports (issue 16), as SQLite's migration 21. */
export default `
CREATE TABLE contact_imports (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  file_name TEXT,
  bytes BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  settings TEXT NOT NULL,
  rows BIGINT NOT NULL DEFAULT 0,
  created BIGINT NOT NULL DEFAULT 0,
  updated BIGINT NOT NULL DEFAULT 0,
  unchanged BIGINT NOT NULL DEFAULT 0,
  failed BIGINT NOT NULL DEFAULT 0,
  error TEXT,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT,
  updated_at BIGINT NOT NULL
);
CREATE INDEX contact_imports_project ON contact_imports(project_id, created_at, id);
CREATE INDEX contact_imports_unfinished ON contact_imports(updated_at) WHERE status IN ('queued', 'processing');
CREATE TABLE contact_import_errors (
  import_id TEXT NOT NULL REFERENCES contact_imports(id) ON DELETE CASCADE,
  row BIGINT NOT NULL,
  line BIGINT NOT NULL,
  field TEXT,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (import_id, row)
);
CREATE INDEX contacts_email ON contacts(project_id, email) WHERE email IS NOT NULL;
`;
