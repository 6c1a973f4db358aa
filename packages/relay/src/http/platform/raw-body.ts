import express from 'express';
import type { Handler } from './handler.js';

/** Reads any body as bytes (`req.body` a Buffer) up to `limit`, for routes that check a signature over it. */
export function rawBody(options: { limit: string }): Handler {
  return express.raw({ type: () => true, limit: options.limit });
}
