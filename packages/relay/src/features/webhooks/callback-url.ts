import net from 'node:net';
import { AppError } from '../../domain/app-error.js';
import { bareHost, parseTargetUrl, refusedRange, type TargetPolicy } from './target-policy.js';

/**
 * A URL checked as written, without resolving it: its form (`parseTargetUrl`) and, for an IP
 * literal, its address. For a message's `callbackUrl`, on the send path, where a DNS lookup per
 * send would cost too much: the dispatcher checks the address it connects to on every delivery.
 * Throws `invalid_url` naming `field`.
 */
export function checkTargetUrlSyntax(raw: string, policy: TargetPolicy, field: string): URL {
  let url: URL;
  try {
    url = parseTargetUrl(raw, policy);
  } catch (error) {
    if (error instanceof AppError) throw new AppError('invalid_url', error.message, { field });
    throw error;
  }
  const host = bareHost(url);
  if (net.isIP(host) !== 0) {
    const why = refusedRange(host, policy);
    if (why !== null) {
      throw new AppError(
        'invalid_url',
        `The URL's address is not public (${why}): the relay posts only to public addresses.`,
        {
          field,
        },
      );
    }
  }
  return url;
}
