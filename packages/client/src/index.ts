/**
 * `@messagejs/client`: send SMS, WhatsApp, Telegram, email and chat messages, and verify phone
 * numbers, through your own MessageJS relay — from a web page or from Node.
 *
 * @packageDocumentation
 */
export { messagejs as default } from './messagejs.js';
export type { MessageJS } from './messagejs.js';
export { createClient } from './create-client.js';
export type { MessageJSClient, MessagesApi, VerifyApi, RequestOptions } from './create-client.js';
export type { ClientOptions } from './client-options.js';
export type { SendFormOptions } from './read-form.js';
export { MessageJSError, isMessageJSError } from './messagejs-error.js';
export type { MessageJSErrorOptions } from './messagejs-error.js';
export type {
  Channel,
  ErrorBody,
  ErrorCode,
  MessageAttempt,
  MessageEvent,
  MessageResponse,
  MessageStatus,
  Params,
  SendMessageRequest,
  SendMessageResponse,
  TemplateMessageRequest,
  TextMessageRequest,
  VerifyCheckRequest,
  VerifyCheckResponse,
  VerifyStartRequest,
  VerifyStartResponse,
} from '@messagejs/shared-types';
