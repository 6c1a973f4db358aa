import { z } from 'zod';
import type { Channel } from '@messagejs/shared-types';
import type { Project } from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';
import { normalizePhone, operatorByPrefix } from '../../domain/phone.js';
import type { CountryCode } from 'libphonenumber-js';

/** A recipient in the form its channel delivers to. */
export interface Recipient {
  /** E.164 for phone channels, a lowercase address for email, a chat id or label otherwise. */
  address: string;
  country: string | null;
  operator: string | null;
  /** `+212612`: the number range used by the anti-pumping limit; null for non-phone channels. */
  prefix: string | null;
}

const emailSchema = z.email();
const phoneChannels: ReadonlySet<Channel> = new Set(['sms', 'whatsapp']);

/** True for channels addressed by phone number. */
export const isPhoneChannel = (channel: Channel) => phoneChannels.has(channel);

/**
 * Normalises a recipient for its channel (pipeline step 7, docs/architecture.md): phone numbers to E.164 with the
 * project's default country, checked against its allowed countries and number types (mobiles
 * only by default: premium-rate, shared-cost and fixed lines are what SMS pumping sends to);
 * emails and chat ids checked for form. Throws `invalid_recipient` (400), `country_not_allowed`
 * or `number_type_not_allowed` (403, with the type found) naming `field`. Sends, verification
 * and fixed template recipients all come through here.
 */
export function resolveRecipient(channel: Channel, to: string, project: Project, field = 'to'): Recipient {
  const value = to.trim();
  switch (channel) {
    case 'sms':
    case 'whatsapp': {
      const result = normalizePhone(value, {
        defaultCountry: (project.defaultCountry ?? undefined) as CountryCode | undefined,
      });
      if (!result.ok) throw new AppError('invalid_recipient', `\`${field}\` is not a valid phone number.`, { field });
      const country = result.country ?? null;
      if (!country || !project.allowedCountries.includes(country)) {
        throw new AppError('country_not_allowed', `This project does not send to ${country ?? 'that country'}.`, {
          field,
        });
      }
      if (!project.allowedNumberTypes.includes(result.type)) {
        throw new AppError(
          'number_type_not_allowed',
          `\`${field}\` is a number of type \`${result.type}\`; this project sends \`${channel}\` only to ${project.allowedNumberTypes.join(', ')} numbers.`,
          { field, detail: { numberType: result.type } },
        );
      }
      // One parse per recipient: the operator comes from the national number already parsed. The
      // number range is the country code and the first 3 national digits, whatever the code's length.
      const prefix = result.e164.slice(0, result.e164.length - result.nationalNumber.length + 3);
      return {
        address: result.e164,
        country,
        operator: operatorByPrefix(country, result.nationalNumber),
        prefix,
      };
    }
    case 'email': {
      if (value.length > 254 || !emailSchema.safeParse(value).success) {
        throw new AppError('invalid_recipient', `\`${field}\` is not a valid email address.`, { field });
      }
      const at = value.lastIndexOf('@');
      return {
        address: value.slice(0, at) + value.slice(at).toLowerCase(),
        country: null,
        operator: null,
        prefix: null,
      };
    }
    case 'telegram': {
      // Bot API chat_id: an integer id (negative for groups) or @channelusername.
      if (!/^-?\d{1,20}$/.test(value) && !/^@[A-Za-z][A-Za-z0-9_]{4,31}$/.test(value)) {
        throw new AppError('invalid_recipient', `\`${field}\` is not a Telegram chat id or @channel.`, { field });
      }
      return { address: value, country: null, operator: null, prefix: null };
    }
    case 'chat':
    case 'console': {
      if (!/^[\p{L}\p{N}_.:@#+-]{1,100}$/u.test(value)) {
        throw new AppError(
          'invalid_recipient',
          `\`${field}\` must be a label of up to 100 letters, digits or _.:@#+-.`,
          { field },
        );
      }
      return { address: value, country: null, operator: null, prefix: null };
    }
  }
}
