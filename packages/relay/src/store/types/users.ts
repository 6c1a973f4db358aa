/** A person who signs in: global, a member of one or more accounts. */
export interface UserRecord {
  id: string;
  email: string;
  /** The address as compared: trimmed and lowercased. */
  emailKey: string;
  name: string | null;
  /** `scrypt$ln=…,r=…,p=…$<salt>$<hash>` (`crypto/password.ts`). */
  passwordHash: string;
  passwordChangedAt: number;
  lastLoginAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** The users. */
export interface UsersRepo {
  create(user: UserRecord): Promise<void>;
  get(id: string): Promise<UserRecord | null>;
  findByEmailKey(emailKey: string): Promise<UserRecord | null>;
  setPassword(id: string, passwordHash: string, at: number): Promise<void>;
  touchLogin(id: string, at: number): Promise<void>;
  /** How many users exist (0 until the first owner). */
  count(): Promise<number>;
}
