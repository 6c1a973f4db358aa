import type Database from 'better-sqlite3';
import type { InboundMessagesRepo, InboundRepo, PhoneMappingsRepo } from '../types/index.js';
import {
  inboundColumns,
  inboundPageStatement,
  inboundStatsSql,
  inboundValues,
  mappingPageStatement,
  rankOf,
  toInbound,
  toInboundStats,
  toPhoneMapping,
  type InboundCountsRow,
  type InboundRow,
  type PhoneMappingRow,
} from '../inbound-rows.js';
import { createInboundConfigRepo } from './inbound-config.js';
import { createGroupCommit } from './group-commit.js';
import { toPage } from './page.js';

/** Inbound messages, phone mappings, rules and settings on SQLite (issue 15). */
export function createInboundRepo(db: Database.Database, options: { direct?: boolean } = {}): InboundRepo {
  return { ...inboundMessages(db, options.direct), ...phoneMappings(db), ...createInboundConfigRepo(db) };
}

function inboundMessages(db: Database.Database, direct: boolean | undefined): InboundMessagesRepo {
  const insert = db.prepare(
    `INSERT INTO inbound_messages (${inboundColumns.join(', ')}) VALUES (${inboundColumns.map(() => '?').join(', ')})
      ON CONFLICT (connector_id, provider_message_id) DO NOTHING`,
  );
  const get = db.prepare<[string, string], InboundRow>(
    'SELECT * FROM inbound_messages WHERE project_id = ? AND id = ?',
  );
  const byProvider = db.prepare<[string, string], InboundRow>(
    'SELECT * FROM inbound_messages WHERE connector_id = ? AND provider_message_id = ?',
  );
  const replies = db.prepare<[string, string, number], { n: number }>(
    `SELECT count(*) AS n FROM inbound_messages
      WHERE project_id = ? AND sender = ? AND received_at >= ? AND auto_reply IS NOT NULL`,
  );
  const counts = db.prepare<[string, number, number], InboundCountsRow>(inboundStatsSql.counts);
  const rank = db.prepare<[string, number, number, number], { ms: number }>(inboundStatsSql.rank);
  const pages = new Map<string, Database.Statement<unknown[], InboundRow>>();
  // Inserts made outside a unit of work (a message that asks nothing more) are group-committed, as
  // sends are: a provider posting thousands a second pays one transaction per batch.
  const one = (record: Parameters<InboundMessagesRepo['insert']>[0]) =>
    insert.run(...inboundValues(record)).changes > 0;
  const write = createGroupCommit(
    (records: Array<Parameters<InboundMessagesRepo['insert']>[0]>) =>
      db.transaction(() => records.map(one)).immediate(),
    (record: Parameters<InboundMessagesRepo['insert']>[0]) => db.transaction(() => one(record)).immediate(),
    { direct },
  );
  return {
    insert: (record) => write(record),
    async get(projectId, id) {
      const row = get.get(projectId, id);
      return row ? toInbound(row) : null;
    },
    async getByProviderId(connectorId, providerMessageId) {
      const row = byProvider.get(connectorId, providerMessageId);
      return row ? toInbound(row) : null;
    },
    async page(projectId, filter, page) {
      const query = inboundPageStatement(projectId, filter, page, 'sqlite');
      if (!query) return { items: [], next: null };
      let statement = pages.get(query.text);
      if (!statement) pages.set(query.text, (statement = db.prepare<unknown[], InboundRow>(query.text)));
      return toPage(statement.all(...query.values), page, toInbound, (r) => ({ key: r.received_at, id: r.id }));
    },
    async countReplies(projectId, sender, since) {
      return replies.get(projectId, sender, since)!.n;
    },
    async stats(projectId, from, before) {
      const row = counts.get(projectId, from, before)!;
      const at = (q: number) =>
        row.inbound === 0 ? null : rank.get(projectId, from, before, rankOf(q, row.inbound))!.ms;
      return toInboundStats(row, at(0.5), at(0.95));
    },
  };
}

/** The phone mappings' statements. */
function prepareMappings(db: Database.Database) {
  const route = db.prepare<[string, string], PhoneMappingRow>(
    `SELECT * FROM phone_mappings WHERE project_id = ? AND phone = ?
      ORDER BY verified DESC, is_primary DESC, created_at, user_id LIMIT 1`,
  );
  const get = db.prepare<[string, string, string], PhoneMappingRow>(
    'SELECT * FROM phone_mappings WHERE project_id = ? AND phone = ? AND user_id = ?',
  );
  const create = db.prepare(
    `INSERT INTO phone_mappings (project_id, phone, user_id, is_primary, verified, verification_method, verified_at,
       created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const update = db.prepare<[number, string | null, number | null, number, string, string, string], PhoneMappingRow>(
    `UPDATE phone_mappings SET verified = ?, verification_method = ?, verified_at = ?, updated_at = ?
      WHERE project_id = ? AND phone = ? AND user_id = ? RETURNING *`,
  );
  const clearPrimary = db.prepare(
    `UPDATE phone_mappings SET is_primary = 0, updated_at = ?
      WHERE project_id = ? AND user_id = ? AND phone <> ? AND is_primary = 1`,
  );
  const setPrimary = db.prepare(
    'UPDATE phone_mappings SET is_primary = ?, updated_at = ? WHERE project_id = ? AND phone = ? AND user_id = ?',
  );
  const remove = db.prepare('DELETE FROM phone_mappings WHERE project_id = ? AND phone = ? AND user_id = ?');
  const primary = db.transaction((projectId: string, phone: string, userId: string, on: boolean, at: number) => {
    if (on) clearPrimary.run(at, projectId, userId, phone);
    setPrimary.run(on ? 1 : 0, at, projectId, phone, userId);
  });
  return { route, get, create, update, remove, primary };
}

function phoneMappings(db: Database.Database): PhoneMappingsRepo {
  const { route, get, create, update, remove, primary } = prepareMappings(db);
  const pages = new Map<string, Database.Statement<unknown[], PhoneMappingRow>>();
  return {
    async routeOf(projectId, phone) {
      const row = route.get(projectId, phone);
      return row ? toPhoneMapping(row) : null;
    },
    async getMapping(projectId, phone, userId) {
      const row = get.get(projectId, phone, userId);
      return row ? toPhoneMapping(row) : null;
    },
    async pageMappings(projectId, filter, page) {
      const { text, values } = mappingPageStatement(projectId, filter, page, 'sqlite');
      let statement = pages.get(text);
      if (!statement) pages.set(text, (statement = db.prepare<unknown[], PhoneMappingRow>(text)));
      return toPage(statement.all(...values), page, toPhoneMapping, (r) => ({ key: r.phone, id: r.user_id }));
    },
    async createMapping(m) {
      const flag = (v: boolean) => (v ? 1 : 0);
      return (
        create.run(
          m.projectId,
          m.phone,
          m.userId,
          flag(m.isPrimary),
          flag(m.verified),
          m.verificationMethod,
          m.verifiedAt,
          m.createdAt,
          m.updatedAt,
        ).changes > 0
      );
    },
    async updateMapping(projectId, phone, userId, patch, at) {
      const before = get.get(projectId, phone, userId);
      if (!before) return null;
      const verified = patch.verified ?? before.verified === 1;
      const row = update.get(
        verified ? 1 : 0,
        patch.verificationMethod !== undefined ? patch.verificationMethod : before.verification_method,
        patch.verifiedAt !== undefined ? patch.verifiedAt : before.verified_at,
        at,
        projectId,
        phone,
        userId,
      );
      return row ? toPhoneMapping(row) : null;
    },
    async setPrimary(projectId, phone, userId, on, at) {
      primary(projectId, phone, userId, on, at);
    },
    async removeMapping(projectId, phone, userId) {
      return remove.run(projectId, phone, userId).changes > 0;
    },
  };
}
