/**
 * What the error codes stored on failed messages mean: the relay's own connector codes, and the
 * provider codes their status callbacks report most (Twilio's 30xxx delivery errors, the
 * WhatsApp Cloud API's, Vonage's delivery receipt codes). Unknown codes are answered without a
 * meaning rather than guessed.
 */
const meanings: Readonly<Record<string, string>> = {
  // The relay's connector error codes (providers/types.ts).
  invalid_recipient: 'The provider refused the recipient: not a valid or reachable number or address.',
  recipient_opted_out: 'The recipient opted out (replied STOP); the number is now on the opt-out list.',
  country_not_allowed: 'The provider account may not send to this country.',
  provider_auth_failed: 'The provider refused the connector’s credentials.',
  outside_session_window: 'WhatsApp: free-form text outside the 24-hour window; a template is needed.',
  provider_rate_limited: 'The provider rate-limited the account and retries ran out.',
  provider_unavailable: 'The provider was down (5xx or unreachable) and retries ran out.',
  provider_timeout: 'The provider did not answer in time and retries ran out.',
  provider_rejected: 'The provider refused the message.',
  no_connector: 'No connector was configured or healthy for the channel.',
  // Twilio delivery errors (https://www.twilio.com/docs/api/errors).
  '30001': 'Twilio: queue overflow.',
  '30002': 'Twilio: account suspended.',
  '30003': 'Twilio: unreachable destination handset (off, out of coverage).',
  '30004': 'Twilio: message blocked by the carrier or the recipient.',
  '30005': 'Twilio: unknown destination handset (number does not exist).',
  '30006': 'Twilio: landline or unreachable carrier.',
  '30007': 'Twilio: filtered by the carrier as spam.',
  '30008': 'Twilio: unknown error from the carrier.',
  '30034': 'Twilio: US A2P 10DLC message from an unregistered number.',
  '21211': 'Twilio: invalid To number.',
  '21610': 'Twilio: the recipient replied STOP.',
  '63016': 'Twilio WhatsApp: free-form message outside the 24-hour window.',
  // WhatsApp Cloud API (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
  '131026': 'WhatsApp: message undeliverable (no WhatsApp account, old app, or terms not accepted).',
  '131047': 'WhatsApp: more than 24 hours since the customer last replied; a template is needed.',
  '131049': 'WhatsApp: not delivered to keep the ecosystem healthy (marketing limits).',
  '131051': 'WhatsApp: unsupported message type.',
  '130429': 'WhatsApp: rate limit hit.',
  // Vonage SMS delivery receipt codes (https://developer.vonage.com/en/messaging/sms/guides/delivery-receipts).
  '1': 'Vonage: unknown error from the carrier.',
  '2': 'Vonage: absent subscriber, temporary (phone off or out of coverage).',
  '3': 'Vonage: absent subscriber, permanent (number no longer active).',
  '4': 'Vonage: call barred by the user.',
  '5': 'Vonage: portability error.',
  '6': 'Vonage: anti-spam rejection.',
  '7': 'Vonage: handset busy.',
  '8': 'Vonage: network error.',
  '9': 'Vonage: illegal number.',
  '99': 'Vonage: general handset problem.',
};

/** The meaning of a stored error code, or null when it is not one the relay knows. */
export function failureMeaning(code: string): string | null {
  return Object.hasOwn(meanings, code) ? meanings[code]! : null;
}
