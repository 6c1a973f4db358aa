import type { Store, Template } from '../../store/types.js';
import type { Sealer } from '../../crypto/sealer.js';
import { createFirstProject, createKey } from '../projects/admin.js';
import { addConnector } from '../connectors/admin-connectors.js';
import { saveTemplate } from '../templates/admin-templates.js';
import { systemActor, type Actor } from '../../domain/actor.js';

/** The demo project's fixed names: tests outside this repo rely on them. */
export const DEMO = {
  projectName: 'Demo',
  allowedOrigins: ['http://localhost:8787', 'http://127.0.0.1:8787'],
  allowedCountries: ['MA', 'FR', 'US', 'GB', 'GA'],
  defaultCountry: 'MA',
  templates: [
    {
      name: 'contact',
      channel: 'console',
      recipient: { mode: 'fixed', to: 'owner' },
      subject: 'Contact form: {{name}}',
      body: 'New message from {{name}} <{{email}}>:\n{{message}}',
      params: {
        name: { type: 'text', maxLength: 100 },
        email: { type: 'email' },
        message: { type: 'text', maxLength: 1000 },
      },
    },
    {
      name: 'order_update',
      channel: 'sms',
      recipient: { mode: 'caller' },
      body: 'Order {{order}} is on its way, arriving {{eta}}.',
      params: {
        order: { type: 'pattern', pattern: '^[A-Z0-9-]{1,20}$', maxLength: 20 },
        eta: { type: 'text', maxLength: 40 },
      },
    },
  ],
} as const;

/**
 * The origins the demo page is served from: the relay's own on `port` (`localhost` and
 * `127.0.0.1`), so the page works on any `PORT`; the fixed ones on the default port (or port 0).
 */
export function demoOrigins(port: number): string[] {
  if (port === 0 || port === 8787) return [...DEMO.allowedOrigins];
  return [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

/** What `init` prints once: the demo project's keys, shown in full only now. */
export interface DemoCredentials {
  projectId: string;
  publicKey: string;
  secretKey: string;
  templates: string[];
  allowedOrigins: string[];
}

/**
 * Creates the demo project — its token-signing key, the `console` connector for every channel, both
 * demo templates and a public and a secret key — when the store has no project yet. Returns null
 * when it already has one, also when another relay starting at the same time made it first (the
 * store checks and inserts the first project in one step). Every change is audited under `actor`
 * (the relay itself by default).
 */
export async function ensureDemoProject(
  store: Store,
  sealer: Sealer,
  now: number,
  actor: Actor = systemActor,
  allowedOrigins: readonly string[] = DEMO.allowedOrigins,
): Promise<DemoCredentials | null> {
  const project = await createFirstProject(
    store,
    {
      name: DEMO.projectName,
      allowedOrigins: [...allowedOrigins],
      allowedCountries: [...DEMO.allowedCountries],
      defaultCountry: DEMO.defaultCountry,
      development: true,
    },
    now,
    actor,
    sealer,
  );
  if (!project) return null;
  await addConnector(
    store,
    sealer,
    { projectId: project.id, type: 'console', name: 'Console (development)' },
    now,
    actor,
  );
  const templates: Template[] = [];
  for (const t of DEMO.templates) templates.push(await saveTemplate(store, project.id, structuredClone(t), now, actor));
  const publicKey = await createKey(store, { projectId: project.id, kind: 'public', name: 'demo page' }, now, actor);
  const secretKey = await createKey(store, { projectId: project.id, kind: 'secret', name: 'demo server' }, now, actor);
  return {
    projectId: project.id,
    publicKey: publicKey.secret,
    secretKey: secretKey.secret,
    templates: templates.map((t) => t.name),
    allowedOrigins: [...allowedOrigins],
  };
}
