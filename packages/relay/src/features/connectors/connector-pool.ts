import type { Connector } from '../../providers/types.js';
import { getConnectorDefinition } from '../../providers/registry.js';
import type { Sealer } from '../../crypto/sealer.js';
import type { ConnectorRecord } from '../../store/types.js';

/** Options that reach connector factories (tests point providers at local servers). */
export interface ConnectorPoolOptions {
  sealer: Sealer;
  /** Base URL overrides by connector type. */
  baseUrls?: Record<string, string>;
  /** Where the console connector prints. */
  consoleWrite?: (text: string) => void;
}

/**
 * Builds connector instances from stored records and keeps them, so clients with connection pools
 * (twilio, nodemailer) are reused across messages. Credentials are opened per send, in memory only.
 */
export function createConnectorPool(options: ConnectorPoolOptions) {
  const instances = new Map<
    string,
    { record: ConnectorRecord; connector: Connector; sealed?: string; opened?: unknown }
  >();
  return {
    get(record: ConnectorRecord): { connector: Connector; credentials: () => unknown } {
      let entry = instances.get(record.id);
      // The read cache hands out the same record object while it is fresh: configs are compared
      // only when the record was read again, and an unchanged one keeps its instance.
      if (entry && entry.record !== record && JSON.stringify(entry.record.config) === JSON.stringify(record.config))
        entry.record = record;
      if (!entry || entry.record !== record) {
        const definition = getConnectorDefinition(record.type);
        if (!definition) throw new Error(`Unknown connector type ${record.type}`);
        // Validated by the definition's own zod schema; its type varies by connector.
        const config: unknown = definition.configSchema.parse(record.config);
        // A changed config replaces the instance; the old one may hold open connections (SMTP pool).
        void entry?.connector.close?.();
        entry = {
          record,
          connector: definition.create({
            config,
            ...(options.baseUrls?.[record.type] && { baseUrl: options.baseUrls[record.type] }),
            ...(options.consoleWrite && { write: options.consoleWrite }),
          }),
        };
        instances.set(record.id, entry);
      }
      const sealed = record.sealedCredentials;
      // Opened once per sealed value and kept in memory, where they are needed for every send.
      // A changed value (new credentials) is opened afresh.
      const credentials = () => {
        if (!sealed) return {};
        if (entry.sealed !== sealed) {
          entry.opened = options.sealer.open(sealed);
          entry.sealed = sealed;
        }
        return entry.opened;
      };
      return { connector: entry.connector, credentials };
    },
    /** Closes every instance's connections (relay shutdown). */
    async close(): Promise<void> {
      await Promise.allSettled([...instances.values()].map((e) => Promise.resolve(e.connector.close?.())));
      instances.clear();
    },
  };
}
export type ConnectorPool = ReturnType<typeof createConnectorPool>;
