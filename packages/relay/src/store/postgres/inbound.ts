import type { InboundMessagesRepo, InboundRepo, PageRequest, PhoneMappingsRepo } from '../types/index.js';
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
  toPostgres,
  type InboundCountsRow,
  type InboundRow,
  type PhoneMappingRow,
} from '../inbound-rows.js';
import { toPage } from '../sqlite/page.js';
import { createInboundConfigRepo } from './inbound-config.js';
import { hasNul, refusingNul, withoutNul } from './nul-text.js';
import type { PgDb } from './queryable.js';

const sql = {
  insert: `INSERT INTO inbound_messages (${inboundColumns.join(', ')})
    VALUES (${inboundColumns.map((_, i) => `$${i + 1}`).join(', ')})
    ON CONFLICT (connector_id, provider_message_id) DO NOTHING`,
  get: 'SELECT * FROM inbound_messages WHERE project_id = $1 AND id = $2',
  byProvider: 'SELECT * FROM inbound_messages WHERE connector_id = $1 AND provider_message_id = $2',
  replies: `SELECT count(*) AS n FROM inbound_messages
    WHERE project_id = $1 AND sender = $2 AND received_at >= $3 AND auto_reply IS NOT NULL`,
  counts: toPostgres(inboundStatsSql.counts),
  rank: toPostgres(inboundStatsSql.rank),
  route: `SELECT * FROM phone_mappings WHERE project_id = $1 AND phone = $2
    ORDER BY verified DESC, is_primary DESC, created_at, user_id LIMIT 1`,
  getMapping: 'SELECT * FROM phone_mappings WHERE project_id = $1 AND phone = $2 AND user_id = $3',
  createMapping: `INSERT INTO phone_mappings (project_id, phone, user_id, is_primary, verified, verification_method,
    verified_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
  updateMapping: `UPDATE phone_mappings SET verified = coalesce($1, verified),
    verification_method = CASE WHEN $2::boolean THEN $3 ELSE verification_method END,
    verified_at = CASE WHEN $4::boolean THEN $5::bigint ELSE verified_at END, updated_at = $6
    WHERE project_id = $7 AND phone = $8 AND user_id = $9 RETURNING *`,
  clearPrimary: `UPDATE phone_mappings SET is_primary = 0, updated_at = $1
    WHERE project_id = $2 AND user_id = $3 AND phone <> $4 AND is_primary = 1`,
  setPrimary:
    'UPDATE phone_mappings SET is_primary = $1, updated_at = $2 WHERE project_id = $3 AND phone = $4 AND user_id = $5',
  removeMapping: 'DELETE FROM phone_mappings WHERE project_id = $1 AND phone = $2 AND user_id = $3',
};

/**
 * Inbound messages, phone mappings, rules and settings on PostgreSQL; the behaviour of
 * ../sqlite/inbound.ts. What a provider sent is stored with U+FFFD in place of NUL (`withoutNul`);
 * the admin API's text never holds one (refused as `400 validation_failed` if it did), and a
 * lookup by a value holding one finds nothing, as no stored text can hold it.
 */
export function createInboundRepo(pg: PgDb): InboundRepo {
  return { ...inboundMessages(pg), ...phoneMappings(refusingNul(pg)), ...createInboundConfigRepo(pg) };
}

/** A page position whose id holds NUL as the id PostgreSQL compares the same way (see `pgAfterBounds`). */
function withoutNulId(page: PageRequest): PageRequest {
  const id = page.after?.id;
  if (!page.after || id === undefined || !id.includes('\u0000')) return page;
  return { ...page, after: { key: page.after.key, id: `${id.slice(0, id.indexOf('\u0000'))}\u0001` } };
}

function inboundMessages(db: PgDb): InboundMessagesRepo {
  return {
    async insert(record) {
      const { rowCount } = await db.query(sql.insert, inboundValues(record, withoutNul));
      return (rowCount ?? 0) > 0;
    },
    async get(projectId, id) {
      if (hasNul(projectId, id)) return null;
      const { rows } = await db.query<InboundRow>(sql.get, [projectId, id]);
      return rows[0] ? toInbound(rows[0]) : null;
    },
    async getByProviderId(connectorId, providerMessageId) {
      const { rows } = await db.query<InboundRow>(sql.byProvider, [connectorId, withoutNul(providerMessageId)]);
      return rows[0] ? toInbound(rows[0]) : null;
    },
    async page(projectId, filter, page) {
      const { from, to, connectorId, userId } = filter;
      const query = hasNul(projectId, from, to, connectorId, userId)
        ? null
        : inboundPageStatement(projectId, filter, withoutNulId(page), 'postgres');
      if (!query) return { items: [], next: null };
      const { rows } = await db.query<InboundRow>(query.text, query.values);
      return toPage(rows, page, toInbound, (r) => ({ key: r.received_at, id: r.id }));
    },
    async countReplies(projectId, sender, since) {
      const { rows } = await db.query<{ n: number }>(sql.replies, [projectId, withoutNul(sender), since]);
      return rows[0]!.n;
    },
    async stats(projectId, from, before) {
      const { rows } = await db.query<InboundCountsRow>(sql.counts, [projectId, from, before]);
      const counts = rows[0]!;
      const at = async (q: number) => {
        if (counts.inbound === 0) return null;
        const ranked = await db.query<{ ms: number }>(sql.rank, [projectId, from, before, rankOf(q, counts.inbound)]);
        return ranked.rows[0]?.ms ?? null;
      };
      return toInboundStats(counts, await at(0.5), await at(0.95));
    },
  };
}

function phoneMappings(db: PgDb): PhoneMappingsRepo {
  return {
    async routeOf(projectId, phone) {
      if (hasNul(projectId, phone)) return null;
      const { rows } = await db.query<PhoneMappingRow>(sql.route, [projectId, phone]);
      return rows[0] ? toPhoneMapping(rows[0]) : null;
    },
    async getMapping(projectId, phone, userId) {
      if (hasNul(projectId, phone, userId)) return null;
      const { rows } = await db.query<PhoneMappingRow>(sql.getMapping, [projectId, phone, userId]);
      return rows[0] ? toPhoneMapping(rows[0]) : null;
    },
    async pageMappings(projectId, filter, page) {
      if (hasNul(projectId, filter.phone, filter.userId)) return { items: [], next: null };
      const { text, values } = mappingPageStatement(projectId, filter, page, 'postgres');
      const { rows } = await db.query<PhoneMappingRow>(text, values);
      return toPage(rows, page, toPhoneMapping, (r) => ({ key: r.phone, id: r.user_id }));
    },
    async createMapping(m) {
      const { rowCount } = await db.query(sql.createMapping, [
        m.projectId,
        m.phone,
        m.userId,
        m.isPrimary ? 1 : 0,
        m.verified ? 1 : 0,
        m.verificationMethod,
        m.verifiedAt,
        m.createdAt,
        m.updatedAt,
      ]);
      return (rowCount ?? 0) > 0;
    },
    async updateMapping(projectId, phone, userId, patch, at) {
      if (hasNul(projectId, phone, userId)) return null;
      const { rows } = await db.query<PhoneMappingRow>(sql.updateMapping, [
        patch.verified === undefined ? null : patch.verified ? 1 : 0,
        patch.verificationMethod !== undefined,
        patch.verificationMethod ?? null,
        patch.verifiedAt !== undefined,
        patch.verifiedAt ?? null,
        at,
        projectId,
        phone,
        userId,
      ]);
      return rows[0] ? toPhoneMapping(rows[0]) : null;
    },
    async setPrimary(projectId, phone, userId, on, at) {
      if (hasNul(projectId, phone, userId)) return;
      await db.tx(async (q) => {
        if (on) await q.query(sql.clearPrimary, [at, projectId, userId, phone]);
        await q.query(sql.setPrimary, [on ? 1 : 0, at, projectId, phone, userId]);
      });
    },
    async removeMapping(projectId, phone, userId) {
      if (hasNul(projectId, phone, userId)) return false;
      const { rowCount } = await db.query(sql.removeMapping, [projectId, phone, userId]);
      return (rowCount ?? 0) > 0;
    },
  };
}
