import type { Channel } from '@messagejs/shared-types';
import type { Store } from '../../store/types.js';

const phoneChannels: readonly Channel[] = ['sms', 'whatsapp'];

/** A project whose phone messages go to the relay's terminal instead of a provider. */
export interface ConsoleOnPhoneChannels {
  projectId: string;
  projectName: string;
  /** The phone channels an enabled console connector serves. */
  channels: Channel[];
}

/**
 * Projects that are not development projects and have an enabled `console` connector serving a
 * phone channel: their SMS and WhatsApp messages (and codes) reach nobody, so the relay warns at
 * start. One entry per project.
 */
export async function consoleOnPhoneChannels(store: Store): Promise<ConsoleOnPhoneChannels[]> {
  const found: ConsoleOnPhoneChannels[] = [];
  for (const project of await store.projects.list()) {
    if (project.development) continue;
    const channels = new Set<Channel>();
    for (const record of await store.connectors.list(project.id)) {
      if (record.type !== 'console' || !record.enabled) continue;
      for (const channel of record.channels) if (phoneChannels.includes(channel)) channels.add(channel);
    }
    if (channels.size > 0) found.push({ projectId: project.id, projectName: project.name, channels: [...channels] });
  }
  return found;
}
