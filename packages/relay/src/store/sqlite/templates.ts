import type Database from 'better-sqlite3';
import type { Channel } from '@messagejs/shared-types';
import type { Template, TemplatesRepo } from '../types/index.js';

interface Row {
  id: string;
  project_id: string;
  name: string;
  channel: Channel;
  recipient: string;
  subject: string | null;
  body: string;
  html: string | null;
  params: string;
  channels: string | null;
  created_at: number;
  updated_at: number;
}

const toTemplate = (row: Row): Template => ({
  id: row.id,
  projectId: row.project_id,
  name: row.name,
  channel: row.channel,
  recipient: JSON.parse(row.recipient) as Template['recipient'],
  subject: row.subject,
  body: row.body,
  html: row.html,
  params: JSON.parse(row.params) as Template['params'],
  channels: row.channels ? (JSON.parse(row.channels) as Channel[]) : null,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export function createTemplatesRepo(db: Database.Database): TemplatesRepo {
  const upsert = db.prepare(
    `INSERT INTO templates (id, project_id, name, channel, recipient, subject, body, html, params, channels, created_at, updated_at)
     VALUES (@id, @projectId, @name, @channel, @recipient, @subject, @body, @html, @params, @channels, @createdAt, @updatedAt)
     ON CONFLICT (project_id, name) DO UPDATE SET channel = excluded.channel, recipient = excluded.recipient,
       subject = excluded.subject, body = excluded.body, html = excluded.html, params = excluded.params,
       channels = excluded.channels, updated_at = excluded.updated_at`,
  );
  const byName = db.prepare<[string, string], Row>('SELECT * FROM templates WHERE project_id = ? AND name = ?');
  const byProject = db.prepare<[string], Row>('SELECT * FROM templates WHERE project_id = ? ORDER BY name');
  return {
    async upsert(t) {
      upsert.run({
        ...t,
        recipient: JSON.stringify(t.recipient),
        params: JSON.stringify(t.params),
        channels: t.channels ? JSON.stringify(t.channels) : null,
      });
    },
    async get(projectId, name) {
      const row = byName.get(projectId, name);
      return row ? toTemplate(row) : null;
    },
    async list(projectId) {
      return byProject.all(projectId).map(toTemplate);
    },
  };
}
