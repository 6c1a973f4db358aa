import { z } from 'zod';
import { permissions, roles } from '../enums.js';

/** An email address as a sign-in name (compared case-insensitively). */
const emailSchema = z.email().max(254);
/** A password: 10 to 200 characters (compared after Unicode NFKC normalisation). */
const passwordSchema = z.string().min(10, 'must be at least 10 characters').max(200);
const permissionSchema = z.enum(permissions);
const roleSchema = z.enum(roles);
const nameSchema = z.string().trim().min(1).max(100);
const idListSchema = z.array(z.string().min(1).max(100)).max(500);

/** `POST /v1/auth/setup`: the first owner, with the one-time token the relay printed at its first start. */
export const setupRequestSchema = z
  .strictObject({
    /** The `token` of the setup link (`/setup?token=st_…`). */
    token: z.string().min(1).max(200),
    email: emailSchema,
    password: passwordSchema,
    name: nameSchema.optional(),
    /** The account's name. @default 'My account' */
    accountName: nameSchema.optional(),
  })
  .describe('`POST /v1/auth/setup`: create the first owner.');

/** `POST /v1/auth/register` (with `MESSAGEJS_SIGNUP=open`): a new account and its owner. */
export const registerRequestSchema = z
  .strictObject({
    email: emailSchema,
    password: passwordSchema,
    name: nameSchema.optional(),
    accountName: nameSchema.optional(),
  })
  .describe('`POST /v1/auth/register`: a new account and its owner.');

/** `POST /v1/auth/login`. */
export const loginRequestSchema = z
  .strictObject({
    email: z.string().min(1).max(254),
    password: z.string().min(1).max(200),
    /** The account to sign in to; the oldest active membership when left out. */
    accountId: z.string().min(1).max(100).optional(),
  })
  .describe('`POST /v1/auth/login`: sign in with an email and a password.');

/** `POST /v1/auth/refresh`: the refresh token in the body (API clients), or none (browsers send the cookie). */
export const refreshRequestSchema = z
  .strictObject({ refreshToken: z.string().min(1).max(200).optional() })
  .describe('`POST /v1/auth/refresh`: rotate a refresh token.');

/** `POST /v1/auth/password`: change one's password; every other session ends. */
export const changePasswordRequestSchema = z
  .strictObject({ currentPassword: z.string().min(1).max(200), newPassword: passwordSchema })
  .describe('`POST /v1/auth/password`: change the password.');

/** What sign-in, set-up, registration, refresh and invite acceptance answer. */
export const tokenResponseSchema = z
  .object({
    /** A JWT (ES256) for `Authorization: Bearer`, valid `expiresIn` seconds. */
    accessToken: z.string(),
    /** Opaque, single use: `POST /v1/auth/refresh` trades it for a new pair. */
    refreshToken: z.string(),
    /** Seconds the access token lives (900). */
    expiresIn: z.number().int(),
    tokenType: z.literal('Bearer'),
    /** What a browser sends back as `X-CSRF-Token` on cookie-authenticated writes (also in the `__Host-mjs_csrf` cookie). */
    csrfToken: z.string(),
    accountId: z.string(),
    memberId: z.string(),
  })
  .describe('Tokens of a new or refreshed session.');

/** A member of an account, as the admin API shows it. */
export const memberSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    userId: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    role: roleSchema,
    /** The member's effective permissions: the role's, with `granted` added and `withdrawn` taken away. */
    permissions: z.array(permissionSchema),
    granted: z.array(permissionSchema),
    withdrawn: z.array(permissionSchema),
    /** The projects the member is limited to; null for every project of the account. */
    projectIds: z.array(z.string()).nullable(),
    status: z.enum(['active', 'suspended']),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    suspendedAt: z.iso.datetime().nullable(),
  })
  .describe('A member of an account.');

/** `PATCH /v1/accounts/:accountId/members/:memberId`. */
export const updateMemberRequestSchema = z
  .strictObject({
    role: roleSchema.optional(),
    /** Permissions to add beyond the role's. */
    grant: z.array(permissionSchema).max(permissions.length).optional(),
    /** Permissions of the role to take away. */
    withdraw: z.array(permissionSchema).max(permissions.length).optional(),
    /** Limit the member to these projects of the account; null for all of them. */
    projectIds: idListSchema.nullable().optional(),
  })
  .describe('`PATCH /v1/accounts/:accountId/members/:memberId`: role, permissions and projects.');

/** `GET /v1/auth/me`. */
export const meResponseSchema = z
  .object({
    user: z.object({ id: z.string(), email: z.string(), name: z.string().nullable(), createdAt: z.iso.datetime() }),
    account: z.object({ id: z.string(), name: z.string() }),
    member: memberSchema,
    /** How the request was authenticated. */
    credential: z.enum(['session', 'admin_token']),
    /** What this credential may do (an admin token: its scope within its member's permissions). */
    permissions: z.array(permissionSchema),
    /** The projects this credential sees. */
    projects: z.array(z.object({ id: z.string(), name: z.string() })),
    /** Every active membership of the user. */
    memberships: z.array(
      z.object({ accountId: z.string(), accountName: z.string(), memberId: z.string(), role: roleSchema }),
    ),
  })
  .describe('`GET /v1/auth/me`: who is signed in, and what they may do.');

/** An account. */
export const accountSchema = z
  .object({ id: z.string(), name: z.string(), createdAt: z.iso.datetime(), updatedAt: z.iso.datetime() })
  .describe('An account: it owns projects and has members.');

/** `PATCH /v1/accounts/:accountId`. */
export const updateAccountRequestSchema = z
  .strictObject({ name: nameSchema })
  .describe('`PATCH /v1/accounts/:accountId`: rename the account.');

/** `POST /v1/accounts/:accountId/invites`. */
export const createInviteRequestSchema = z
  .strictObject({
    email: emailSchema,
    role: roleSchema,
    grant: z.array(permissionSchema).max(permissions.length).optional(),
    withdraw: z.array(permissionSchema).max(permissions.length).optional(),
    projectIds: idListSchema.nullable().optional(),
  })
  .describe('`POST /v1/accounts/:accountId/invites`: invite someone by email.');

/** An invite, as lists show it (never its link). */
export const inviteSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    email: z.string(),
    role: roleSchema,
    projectIds: z.array(z.string()).nullable(),
    status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
    invitedBy: z.string(),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
  })
  .describe('An invite to join an account.');

/** `201` answer of `POST /v1/accounts/:accountId/invites`: the single-use link, shown this once. */
export const createInviteResponseSchema = z
  .object({
    invite: inviteSchema,
    /** The single-use link to send the person; shown only in this answer. */
    url: z.string(),
    /** The message that carries the link, when a project of the account has an `email` connector. */
    delivery: z.object({ messageId: z.string(), projectId: z.string() }).nullable(),
  })
  .describe('A new invite and its single-use link.');

/** `POST /v1/invites/accept`. */
export const acceptInviteRequestSchema = z
  .strictObject({
    token: z.string().min(1).max(200),
    password: passwordSchema,
    name: nameSchema.optional(),
  })
  .describe('`POST /v1/invites/accept`: join an account with an invite link.');

/** `POST /v1/admin-tokens`. */
export const createAdminTokenRequestSchema = z
  .strictObject({
    name: nameSchema,
    /** A subset of the creating member's permissions. */
    permissions: z.array(permissionSchema).min(1).max(permissions.length),
    /** Limit the token to these projects (of the member's); all of the member's when left out. */
    projectIds: idListSchema.min(1).optional(),
    /** When the token stops working (ISO 8601, in the future). */
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .describe('`POST /v1/admin-tokens`: a token for automation.');

/** An admin token, as lists show it: its prefix, never the token. */
export const adminTokenSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    memberId: z.string(),
    name: z.string(),
    prefix: z.string(),
    permissions: z.array(permissionSchema),
    projectIds: z.array(z.string()).nullable(),
    status: z.enum(['active', 'expired', 'revoked']),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
    /** Precise to 30 seconds (recorded off the request path). */
    lastUsedAt: z.iso.datetime().nullable(),
  })
  .describe('An admin token (`mat_…`), without its secret.');

/** `201` answer of `POST /v1/admin-tokens`: the token in full, shown this once. */
export const createAdminTokenResponseSchema = z
  .object({ token: z.string(), adminToken: adminTokenSchema })
  .describe('A new admin token, shown once.');

export type SetupRequest = z.input<typeof setupRequestSchema>;
export type RegisterRequest = z.input<typeof registerRequestSchema>;
export type LoginRequest = z.input<typeof loginRequestSchema>;
export type RefreshRequest = z.input<typeof refreshRequestSchema>;
export type ChangePasswordRequest = z.input<typeof changePasswordRequestSchema>;
export type TokenResponse = z.output<typeof tokenResponseSchema>;
export type Member = z.output<typeof memberSchema>;
export type UpdateMemberRequest = z.input<typeof updateMemberRequestSchema>;
export type MeResponse = z.output<typeof meResponseSchema>;
export type Account = z.output<typeof accountSchema>;
export type UpdateAccountRequest = z.input<typeof updateAccountRequestSchema>;
export type CreateInviteRequest = z.input<typeof createInviteRequestSchema>;
export type Invite = z.output<typeof inviteSchema>;
export type CreateInviteResponse = z.output<typeof createInviteResponseSchema>;
export type AcceptInviteRequest = z.input<typeof acceptInviteRequestSchema>;
export type CreateAdminTokenRequest = z.input<typeof createAdminTokenRequestSchema>;
export type AdminToken = z.output<typeof adminTokenSchema>;
export type CreateAdminTokenResponse = z.output<typeof createAdminTokenResponseSchema>;
