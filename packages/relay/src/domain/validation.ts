import type { z } from 'zod';
import { AppError } from './app-error.js';

/** Turns a zod failure into `validation_failed` naming the first field at fault. */
export function toValidationError(error: z.ZodError): AppError {
  const issue = error.issues[0]!;
  const field = issue.path.map(String).join('.') || undefined;
  const message = field ? `\`${field}\`: ${issue.message}` : issue.message;
  return new AppError('validation_failed', message, field ? { field } : {});
}
