/**
 * Schema version 7. Allowed number types per project, and development projects.
 * Never edit a shipped migration: add the next one.
 */
export const up = `
  -- Phone channels send only to these number types (SMS-pumping defence); development projects
  -- (the demo) may print verification codes on the console connector.
  ALTER TABLE projects ADD COLUMN allowed_number_types TEXT NOT NULL DEFAULT '["mobile","fixed_line_or_mobile"]';
  ALTER TABLE projects ADD COLUMN development INTEGER NOT NULL DEFAULT 0;
  UPDATE projects SET development = 1 WHERE name = 'Demo'
    AND EXISTS (SELECT 1 FROM connectors c WHERE c.project_id = projects.id AND c.type = 'console');
  `;
