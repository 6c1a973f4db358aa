/**
 * Every error code the relay (or the client, for transport failures) can produce, mapped to the
 * HTTP status it travels with. Client-only codes (`timeout`, `network_error`, `bad_response`)
 * carry status 0 because no HTTP answer was received or understood.
 */
export const errorStatus = {
  // 400
  validation_failed: 400,
  invalid_json: 400,
  nesting_too_deep: 400,
  invalid_recipient: 400,
  captcha_required: 400,
  invalid_code: 400,
  confirmation_required: 400,
  invalid_cursor: 400,
  invalid_url: 400,
  // 401
  unauthorized: 401,
  invalid_credentials: 401,
  token_expired: 401,
  refresh_token_reused: 401,
  // 403
  forbidden: 403,
  origin_not_allowed: 403,
  secret_key_in_browser: 403,
  template_required: 403,
  country_not_allowed: 403,
  recipient_opted_out: 403,
  captcha_failed: 403,
  invalid_signature: 403,
  number_type_not_allowed: 403,
  csrf_failed: 403,
  signup_disabled: 403,
  // 404
  not_found: 404,
  template_not_found: 404,
  message_not_found: 404,
  project_not_found: 404,
  connector_not_found: 404,
  verify_session_not_found: 404,
  account_not_found: 404,
  member_not_found: 404,
  invite_not_found: 404,
  admin_token_not_found: 404,
  key_not_found: 404,
  template_version_not_found: 404,
  opt_out_not_found: 404,
  audit_log_not_found: 404,
  webhook_not_found: 404,
  event_not_found: 404,
  inbound_not_found: 404,
  phone_mapping_not_found: 404,
  inbound_rule_not_found: 404,
  import_not_found: 404,
  // 405
  method_not_allowed: 405,
  // 422
  channel_not_configured: 422,
  template_invalid: 422,
  template_inactive: 422,
  phone_not_verified: 422,
  sender_not_allowed: 422,
  flash_not_supported: 422,
  // 409
  idempotency_conflict: 409,
  idempotency_in_progress: 409,
  already_verified: 409,
  last_owner: 409,
  already_exists: 409,
  already_set_up: 409,
  limit_exceeded: 409,
  message_not_cancelable: 409,
  // 410
  expired: 410,
  setup_token_expired: 410,
  // 413
  payload_too_large: 413,
  too_many_messages: 413,
  // 415
  unsupported_media_type: 415,
  // 429
  rate_limited: 429,
  max_attempts_reached: 429,
  verify_send_limit: 429,
  verify_throttled: 429,
  resend_cooldown: 429,
  // 5xx
  internal_error: 500,
  provider_error: 502,
  not_ready: 503,
  captcha_unavailable: 503,
  store_unavailable: 503,
  // client-side only (no usable HTTP answer)
  timeout: 0,
  network_error: 0,
  bad_response: 0,
} as const;

/** A stable, snake_case error code. */
export type ErrorCode = keyof typeof errorStatus;

/** Every error code, as a list (for the `code` schema of error bodies). */
export const errorCodes = Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]];
