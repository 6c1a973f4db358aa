/** The audit log: who changed what, when. */
export interface AuditRepo {
  record(entry: {
    projectId: string | null;
    actor: string;
    action: string;
    detail?: Record<string, unknown>;
    at: number;
  }): Promise<void>;
}
