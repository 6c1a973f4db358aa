/** A project key (`pk_…` public, `sk_…` secret); stored only as its hash and prefix. */
export interface ApiKey {
  id: string;
  projectId: string;
  kind: 'public' | 'secret';
  prefix: string;
  name: string | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}
