import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  schemas,
  templateMessageRequestSchema,
  textMessageRequestSchema,
  verifyCheckRequestSchema,
  verifyStartRequestSchema,
  analyzeRecipientsRequestSchema,
  eventStreamQuerySchema,
  type TemplateMessageRequest,
  type VerifyStartRequest,
} from '@messagejs/shared-types';

/** The first issue's path and message, as the relay's `validation_failed` names them. */
function firstIssue(schema: z.ZodType, input: unknown): { field: string; message: string } | null {
  const parsed = schema.safeParse(input);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0]!;
  return { field: issue.path.map(String).join('.'), message: issue.message };
}

describe('the request schemas', () => {
  const cases: [name: string, schema: z.ZodType, input: unknown, field: string | null][] = [
    ['a template send', templateMessageRequestSchema, { template: 'contact', params: { name: 'Ana', n: 2 } }, null],
    [
      'a cascade with a fallback delay',
      templateMessageRequestSchema,
      { template: 'otp', to: '+212612345678', channels: ['whatsapp', 'sms'], fallbackAfter: 300 },
      null,
    ],
    ['a CAPTCHA token', templateMessageRequestSchema, { template: 'contact', captchaToken: 'tok' }, null],
    ['an unknown field', templateMessageRequestSchema, { template: 'contact', fallbackAftr: 300 }, ''],
    ['an empty template name', templateMessageRequestSchema, { template: '' }, 'template'],
    [
      'a fractional fallback delay',
      templateMessageRequestSchema,
      { template: 'otp', fallbackAfter: 1.5 },
      'fallbackAfter',
    ],
    [
      'a fallback delay over a week',
      templateMessageRequestSchema,
      { template: 'otp', fallbackAfter: 7 * 24 * 3600 + 1 },
      'fallbackAfter',
    ],
    [
      'a nested param',
      templateMessageRequestSchema,
      { template: 'contact', params: { name: { first: 'Ana' } } },
      'params.name',
    ],
    [
      '51 params',
      templateMessageRequestSchema,
      { template: 'contact', params: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`p${i}`, i])) },
      'params',
    ],
    [
      'six channels',
      templateMessageRequestSchema,
      { template: 'contact', channels: ['sms', 'sms', 'sms', 'sms', 'sms', 'sms'] },
      'channels',
    ],
    ['free text', textMessageRequestSchema, { to: '+212612345678', text: 'Hi', channel: 'sms' }, null],
    [
      'free text on an unknown channel',
      textMessageRequestSchema,
      { to: '+212612345678', text: 'Hi', channel: 'fax' },
      'channel',
    ],
    ['a code by SMS', verifyStartRequestSchema, { to: '+212612345678' }, null],
    ['a code in a chat', verifyStartRequestSchema, { to: '+212612345678', channel: 'chat' }, 'channel'],
    ['a check', verifyCheckRequestSchema, { sessionId: 'ver_x', code: '123456' }, null],
    ['a check without a session', verifyCheckRequestSchema, { code: '123456' }, 'sessionId'],
    ['numbers to analyse', analyzeRecipientsRequestSchema, { numbers: ['+212612345678'], defaultCountry: 'MA' }, null],
    [
      'a lower-case country',
      analyzeRecipientsRequestSchema,
      { numbers: ['0612345678'], defaultCountry: 'ma' },
      'defaultCountry',
    ],
    ['a live stream of one project', eventStreamQuerySchema, { projectId: 'prj_1', types: 'message.failed' }, null],
    ['a stream resumed after an event', eventStreamQuerySchema, { projectId: 'prj_1', lastEventId: '42' }, null],
    ['a stream of no project', eventStreamQuerySchema, { types: '*' }, 'projectId'],
    [
      'a stream resumed after a word',
      eventStreamQuerySchema,
      { projectId: 'prj_1', lastEventId: 'evt_1' },
      'lastEventId',
    ],
  ];

  it.each(cases)('%s', (_name, schema, input, field) => {
    const issue = firstIssue(schema, input);

    if (field === null) expect(issue).toBeNull();
    else expect(issue?.field).toBe(field);
  });

  it("keep the relay's message for too many params", () => {
    const params = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`p${i}`, i]));

    expect(firstIssue(templateMessageRequestSchema, { template: 'contact', params })?.message).toBe(
      'at most 50 params',
    );
  });

  it("default a code's channel to SMS", () => {
    expect(verifyStartRequestSchema.parse({ to: '+212612345678' })).toEqual({ to: '+212612345678', channel: 'sms' });
  });
});

describe('the request types', () => {
  it("are the schemas' inputs: what a caller may send", () => {
    expectTypeOf<TemplateMessageRequest>().toEqualTypeOf<z.input<typeof templateMessageRequestSchema>>();
    expectTypeOf<VerifyStartRequest>().toEqualTypeOf<z.input<typeof verifyStartRequestSchema>>();
    expectTypeOf<VerifyStartRequest['channel']>().toEqualTypeOf<
      'sms' | 'whatsapp' | 'telegram' | 'email' | 'console' | undefined
    >();
  });
});

describe('schemas', () => {
  it.each(Object.entries(schemas))(
    '%s converts to a described JSON Schema (for the OpenAPI document)',
    (_name, schema) => {
      const json = z.toJSONSchema(schema, { io: 'input' }) as { description?: string };

      expect(json.description).toMatch(/\S/);
    },
  );
});
