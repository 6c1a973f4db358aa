/** Recipients that opted out, per project. */
export interface OptOutsRepo {
  add(projectId: string, address: string, at: number): Promise<void>;
  has(projectId: string, address: string): Promise<boolean>;
}
