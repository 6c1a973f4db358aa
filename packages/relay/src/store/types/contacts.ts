import type { Page, PageRequest } from './page.js';

/** A contact as stored (issue 16). */
export interface ContactRecord {
  id: string;
  projectId: string;
  name: string | null;
  firstName: string | null;
  /** E.164; unique in the project. */
  phone: string | null;
  email: string | null;
  telegramChatId: string | null;
  language: string | null;
  timeZone: string | null;
  status: 'active' | 'inactive' | 'unsubscribed';
  custom: Record<string, string | number | boolean | null>;
  createdAt: number;
  updatedAt: number;
}

/** A group of contacts, with how many it holds. */
export interface GroupRecord {
  id: string;
  projectId: string;
  name: string;
  description: string;
  createdAt: number;
  updatedAt: number;
  contacts: number;
}

/** The contact list's filters, combined with AND. */
export interface ContactFilter {
  /** Text in the name, first name, email or phone (ASCII letters in any case). */
  q?: string;
  status?: ContactRecord['status'];
  groupId?: string;
}

/** Contacts and groups of a project. A write that breaks a unique rule answers its name instead of throwing. */
export interface ContactsRepo {
  create(contact: ContactRecord): Promise<'ok' | 'phone_taken'>;
  get(projectId: string, id: string): Promise<ContactRecord | null>;
  getByPhone(projectId: string, phone: string): Promise<ContactRecord | null>;
  /** The project's contacts with any of `phones` (an import's lookup). */
  byPhones(projectId: string, phones: readonly string[]): Promise<ContactRecord[]>;
  /** The project's contacts without a phone whose email is any of `emails` (an import matches rows without a phone by email). */
  byEmails(projectId: string, emails: readonly string[]): Promise<ContactRecord[]>;
  /** Inserts `contacts`; one whose phone another contact has is skipped: their ids. */
  createMany(contacts: readonly ContactRecord[]): Promise<string[]>;
  /** Saves each of `contacts` whole (their phones known to be theirs). */
  updateMany(contacts: readonly ContactRecord[]): Promise<void>;
  /** The keys of the project's contacts' custom fields, sorted (an export's columns). */
  customKeys(projectId: string): Promise<string[]>;
  /** Saves the whole record; null when there is none. */
  update(contact: ContactRecord): Promise<'ok' | 'phone_taken' | null>;
  remove(projectId: string, id: string): Promise<boolean>;
  /** Newest first by creation (then id), filtered; the position key is `createdAt`. */
  page(projectId: string, filter: ContactFilter, page: PageRequest): Promise<Page<ContactRecord>>;
  /** The group ids of each of `contactIds` (every id a key, an empty list for none). */
  groupsOf(contactIds: readonly string[]): Promise<Map<string, string[]>>;

  createGroup(group: Omit<GroupRecord, 'contacts'>): Promise<'ok' | 'name_taken'>;
  getGroup(projectId: string, id: string): Promise<GroupRecord | null>;
  updateGroup(group: Omit<GroupRecord, 'contacts'>): Promise<'ok' | 'name_taken' | null>;
  removeGroup(projectId: string, id: string): Promise<boolean>;
  /** Newest first, with counts. */
  pageGroups(projectId: string, page: PageRequest): Promise<Page<GroupRecord>>;
  /** Adds those of `contactIds` that are contacts of the group's project and not in it yet: how many. */
  addMembers(group: Pick<GroupRecord, 'id' | 'projectId'>, contactIds: readonly string[], at: number): Promise<number>;
  /** Removes those of `contactIds` in the group: how many. */
  removeMembers(groupId: string, contactIds: readonly string[]): Promise<number>;
}
