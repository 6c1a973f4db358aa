import { AppError } from '../../../domain/app-error.js';

/** A contact field a column can fill: a field of the contact, one of its custom fields (`custom.company`), its groups (by name). */
export type ColumnTarget =
  | 'name'
  | 'firstName'
  | 'phone'
  | 'email'
  | 'telegramChatId'
  | 'language'
  | 'timeZone'
  | 'status'
  | 'groups'
  | `custom.${string}`;

const FIELDS = ['name', 'firstName', 'phone', 'email', 'telegramChatId', 'language', 'timeZone', 'status', 'groups'];

/**
 * Headers understood without a mapping, compared folded (`foldHeader`): English, French (SendWave's
 * exports: `nom`, `prénom`, `téléphone`) and the columns of this relay's own export. `id` and the
 * timestamps of an export are skipped: a row is matched by its phone.
 */
const ALIASES: Readonly<Record<string, ColumnTarget | null>> = {
  ...Object.fromEntries(
    [
      'phone',
      'phonenumber',
      'telephone',
      'tel',
      'mobile',
      'mobilephone',
      'mobilenumber',
      'cellphone',
      'cell',
      'msisdn',
      'numero',
      'gsm',
      'portable',
    ].map((h) => [h, 'phone']),
  ),
  ...Object.fromEntries(
    ['name', 'lastname', 'surname', 'familyname', 'fullname', 'nom', 'nomdefamille'].map((h) => [h, 'name']),
  ),
  ...Object.fromEntries(['firstname', 'givenname', 'forename', 'prenom'].map((h) => [h, 'firstName'])),
  ...Object.fromEntries(['email', 'emailaddress', 'mail', 'courriel', 'adressemail'].map((h) => [h, 'email'])),
  ...Object.fromEntries(['telegram', 'telegramchatid', 'telegramid', 'chatid'].map((h) => [h, 'telegramChatId'])),
  ...Object.fromEntries(['language', 'lang', 'langue', 'locale'].map((h) => [h, 'language'])),
  ...Object.fromEntries(['timezone', 'tz', 'fuseauhoraire'].map((h) => [h, 'timeZone'])),
  ...Object.fromEntries(['status', 'statut'].map((h) => [h, 'status'])),
  ...Object.fromEntries(['groups', 'group', 'groupes', 'groupe', 'lists', 'list'].map((h) => [h, 'groups'])),
  id: null,
  createdat: null,
  updatedat: null,
};

/** A header as compared with the aliases: no accents, no case, letters and digits only. */
export function foldHeader(header: string): string {
  return header
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** The most a custom field's key may be (as the contacts API). */
const CUSTOM_KEY_MAX = 64;

/** Checks a mapping's target: a field, `custom.<key>`, or null (the column is skipped). */
function target(value: unknown, header: string): ColumnTarget | null {
  if (value === null) return null;
  if (typeof value === 'string') {
    if (FIELDS.includes(value)) return value as ColumnTarget;
    const key = value.startsWith('custom.') ? value.slice(7) : null;
    if (key && key.length <= CUSTOM_KEY_MAX) return `custom.${key}`;
  }
  throw new AppError(
    'validation_failed',
    `The mapping of column "${header.slice(0, 64)}" must be one of ${FIELDS.join(', ')}, custom.<key> or null.`,
    { field: 'mapping' },
  );
}

/**
 * What each column of the header fills: the caller's `mapping` (header → target, or null to skip)
 * first, then the aliases; any other header becomes a custom field of its own name. Refused
 * (`400`, field `file` or `mapping`): a header with no column for a phone, an email or a Telegram
 * chat id (a file read with the wrong delimiter shows as one column), a column filled twice, a
 * mapping naming a header the file has not.
 */
export function mapColumns(
  header: readonly string[],
  mapping: Readonly<Record<string, unknown>> = {},
): (ColumnTarget | null)[] {
  for (const name of Object.keys(mapping)) {
    if (!header.includes(name)) {
      throw new AppError(
        'validation_failed',
        `The mapping names "${name.slice(0, 64)}", which is no column of the file.`,
        {
          field: 'mapping',
        },
      );
    }
  }
  const columns = header.map((h) => {
    if (Object.hasOwn(mapping, h)) return target(mapping[h], h);
    // An export's `custom.company` column, or the caller's own.
    if (/^custom\.[^.]/i.test(h.trim())) return target(`custom.${h.trim().slice(7)}`, h);
    const alias = ALIASES[foldHeader(h)];
    if (alias !== undefined) return alias;
    const key = h.trim();
    return key && key.length <= CUSTOM_KEY_MAX ? (`custom.${key}` as const) : null;
  });
  const seen = new Set<string>();
  for (const [i, c] of columns.entries()) {
    if (c === null) continue;
    if (seen.has(c)) {
      throw new AppError(
        'validation_failed',
        `Two columns fill ${c} (the second is "${header[i]!.slice(0, 64)}"): map one to null.`,
        {
          field: 'mapping',
        },
      );
    }
    seen.add(c);
  }
  if (!columns.some((c) => c === 'phone' || c === 'email' || c === 'telegramChatId')) {
    throw new AppError(
      'validation_failed',
      `No column holds a phone, an email or a Telegram chat id (the header read: ${JSON.stringify(header.slice(0, 5)).slice(0, 200)}). Check the delimiter, or map a column.`,
      { field: 'file' },
    );
  }
  return columns;
}
