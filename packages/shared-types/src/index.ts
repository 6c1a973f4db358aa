/**
 * The MessageJS wire contract, shared by the relay and the client.
 *
 * Each request and answer is defined once, as a zod schema (`…Schema`); its TypeScript type is
 * inferred from it — `z.input` for requests (what a caller may send), `z.output` for answers.
 * The relay validates with the schemas; the client imports the types only, so no zod reaches
 * its bundles. Error codes are part of the public contract — add new ones, never rename or
 * remove one.
 *
 * @packageDocumentation
 */
export { errorStatus, errorCodes, type ErrorCode } from './error-status.js';
export {
  channels,
  finalStatuses,
  headers,
  messageStatuses,
  numberTypes,
  permissions,
  roles,
  templateCategories,
  verifyChannels,
  type Channel,
  type MessageStatus,
  type NumberType,
  type Permission,
  type Role,
  type TemplateCategory,
  type VerifyChannel,
} from './enums.js';
export {
  captchaTokenSchema,
  cascadeSchema,
  channelSchema,
  fallbackAfterSchema,
  messageAttemptSchema,
  messageResponseSchema,
  messageStatusSchema,
  paramsSchema,
  sendMessageRequestSchema,
  sendMessageResponseSchema,
  templateMessageRequestSchema,
  textMessageRequestSchema,
  type MessageAttempt,
  type MessageResponse,
  type Params,
  type SendMessageRequest,
  type SendMessageResponse,
  type TemplateMessageRequest,
  type TextMessageRequest,
} from './schemas/messages.js';
export {
  powChallengeSchema,
  verifyCheckRequestSchema,
  verifyCheckResponseSchema,
  verifyStartRequestSchema,
  verifyStartResponseSchema,
  type PowChallenge,
  type VerifyCheckRequest,
  type VerifyCheckResponse,
  type VerifyStartRequest,
  type VerifyStartResponse,
} from './schemas/verify.js';
export {
  analyzeRecipientsRequestSchema,
  analyzeRecipientsResponseSchema,
  recipientAnalysisSchema,
  type AnalyzeRecipientsRequest,
  type AnalyzeRecipientsResponse,
  type RecipientAnalysis,
} from './schemas/recipients.js';
export {
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
  type AcceptInviteRequest,
  type Account,
  type AdminToken,
  type ChangePasswordRequest,
  type CreateAdminTokenRequest,
  type CreateAdminTokenResponse,
  type CreateInviteRequest,
  type CreateInviteResponse,
  type Invite,
  type LoginRequest,
  type MeResponse,
  type Member,
  type RefreshRequest,
  type RegisterRequest,
  type SetupRequest,
  type TokenResponse,
  type UpdateAccountRequest,
  type UpdateMemberRequest,
} from './schemas/accounts.js';
export { maxPageSize, pageQuerySchema, pageSchema, type PageQuery } from './schemas/page.js';
export {
  listTemplatesQuerySchema,
  previewTemplateRequestSchema,
  previewTemplateResponseSchema,
  templateCategorySchema,
  templateDefinitionSchema,
  templateInputSchema,
  templateNameSchema,
  templateParamSchema,
  templateRecipientSchema,
  templateSchema,
  templateSummarySchema,
  templateVersionSchema,
  updateTemplateRequestSchema,
  type PreviewTemplateRequest,
  type PreviewTemplateResponse,
  type TemplateDefinition,
  type TemplateInput,
  type TemplateParam,
  type TemplateSummary,
  type TemplateVersionView,
  type TemplateView,
  type UpdateTemplateRequest,
} from './schemas/templates.js';
export {
  auditActionSchema,
  auditActionsResponseSchema,
  auditLogQuerySchema,
  auditLogSchema,
  type AuditAction,
  type AuditLog,
  type AuditLogQuery,
} from './schemas/audit.js';
export {
  demoConfigSchema,
  healthResponseSchema,
  hookReceiptSchema,
  jwkSchema,
  jwksResponseSchema,
  openApiDocumentSchema,
  readinessResponseSchema,
} from './schemas/platform.js';
export { errorBodySchema, type ErrorBody } from './schemas/error-body.js';
export { schemas } from './schemas/index.js';
