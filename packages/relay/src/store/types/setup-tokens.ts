/** The one-time tokens of the first owner's setup link (`/setup?token=…`), by SHA-256. */
export interface SetupTokenRecord {
  hash: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

/** The setup tokens: at most one live at a time. */
export interface SetupTokensRepo {
  /** Deletes every earlier token and stores this one. */
  replace(token: SetupTokenRecord): Promise<void>;
  /**
   * `replace`, unless a token that is unused and unexpired at `now` is stored: then nothing
   * changes and that live token is returned (null when `token` was stored). Atomic across
   * processes: relays starting together keep one live token between them.
   */
  replaceUnlessLive(token: SetupTokenRecord, now: number): Promise<SetupTokenRecord | null>;
  find(hash: string): Promise<SetupTokenRecord | null>;
  /** Marks it used; false when it already was. */
  consume(hash: string, at: number): Promise<boolean>;
}
