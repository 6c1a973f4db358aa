import { maskText } from '../domain/mask.js';

/**
 * An error as logged: provider error text quotes recipients, so its message and stack are masked
 * (`maskText`), and its cause (a provider's body) is left out.
 */
export function maskedError(error: unknown): { type: string; message: string; stack?: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: maskText(String(error)) };
  return { type: error.name, message: maskText(error.message), ...(error.stack && { stack: maskText(error.stack) }) };
}
