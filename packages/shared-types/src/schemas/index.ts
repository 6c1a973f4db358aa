import { errorBodySchema } from './error-body.js';
import {
  acceptInviteRequestSchema,
  accountSchema,
  adminTokenSchema,
  changePasswordRequestSchema,
  createAdminTokenRequestSchema,
  createAdminTokenResponseSchema,
  createInviteRequestSchema,
  createInviteResponseSchema,
  inviteSchema,
  loginRequestSchema,
  meResponseSchema,
  memberSchema,
  refreshRequestSchema,
  registerRequestSchema,
  setupRequestSchema,
  tokenResponseSchema,
  updateAccountRequestSchema,
  updateMemberRequestSchema,
} from './accounts.js';
import {
  messageAttemptSchema,
  messageResponseSchema,
  sendMessageRequestSchema,
  sendMessageResponseSchema,
  templateMessageRequestSchema,
  textMessageRequestSchema,
} from './messages.js';
import {
  analyzeRecipientsRequestSchema,
  analyzeRecipientsResponseSchema,
  recipientAnalysisSchema,
} from './recipients.js';
import {
  demoConfigSchema,
  healthResponseSchema,
  hookReceiptSchema,
  jwksResponseSchema,
  readinessResponseSchema,
} from './platform.js';
import {
  powChallengeSchema,
  verifyCheckRequestSchema,
  verifyCheckResponseSchema,
  verifyStartRequestSchema,
  verifyStartResponseSchema,
} from './verify.js';

/**
 * Every wire schema by the name it goes by in the API's documentation: the component names an
 * OpenAPI document generated from the contract uses (`z.toJSONSchema` per entry). Kept out of
 * zod's global registry so loading the contract twice in one process cannot clash.
 */
export const schemas = {
  TemplateMessageRequest: templateMessageRequestSchema,
  TextMessageRequest: textMessageRequestSchema,
  SendMessageRequest: sendMessageRequestSchema,
  SendMessageResponse: sendMessageResponseSchema,
  MessageAttempt: messageAttemptSchema,
  MessageResponse: messageResponseSchema,
  VerifyStartRequest: verifyStartRequestSchema,
  VerifyStartResponse: verifyStartResponseSchema,
  VerifyCheckRequest: verifyCheckRequestSchema,
  VerifyCheckResponse: verifyCheckResponseSchema,
  PowChallenge: powChallengeSchema,
  AnalyzeRecipientsRequest: analyzeRecipientsRequestSchema,
  RecipientAnalysis: recipientAnalysisSchema,
  AnalyzeRecipientsResponse: analyzeRecipientsResponseSchema,
  SetupRequest: setupRequestSchema,
  RegisterRequest: registerRequestSchema,
  LoginRequest: loginRequestSchema,
  RefreshRequest: refreshRequestSchema,
  ChangePasswordRequest: changePasswordRequestSchema,
  TokenResponse: tokenResponseSchema,
  MeResponse: meResponseSchema,
  Account: accountSchema,
  UpdateAccountRequest: updateAccountRequestSchema,
  Member: memberSchema,
  UpdateMemberRequest: updateMemberRequestSchema,
  CreateInviteRequest: createInviteRequestSchema,
  Invite: inviteSchema,
  CreateInviteResponse: createInviteResponseSchema,
  AcceptInviteRequest: acceptInviteRequestSchema,
  CreateAdminTokenRequest: createAdminTokenRequestSchema,
  AdminToken: adminTokenSchema,
  CreateAdminTokenResponse: createAdminTokenResponseSchema,
  HealthResponse: healthResponseSchema,
  ReadinessResponse: readinessResponseSchema,
  HookReceipt: hookReceiptSchema,
  JwksResponse: jwksResponseSchema,
  DemoConfig: demoConfigSchema,
  ErrorBody: errorBodySchema,
} as const;
