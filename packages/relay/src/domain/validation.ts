import type { z } from 'zod';
import { AppError } from './app-error.js';

/**
 * Turns a zod failure into `validation_failed` naming the first field at fault. An unknown key
 * (`z.strictObject`) is named by itself, with its object's path before it (`params.extra`).
 */
export function toValidationError(error: z.ZodError): AppError {
  const issue = error.issues[0]!;
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path.push(issue.keys[0]!);
  const field = path.join('.') || undefined;
  const message = field ? `\`${field}\`: ${issue.message}` : issue.message;
  return new AppError('validation_failed', message, field ? { field } : {});
}
