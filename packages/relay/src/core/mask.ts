/**
 * Masks a recipient for logs and for public-key readers: phone numbers keep their last 4 digits
 * (`+21261234••••` → `••••••••5678`), email addresses keep the first letter and the domain, chat
 * ids keep their last 4 characters.
 */
export function maskAddress(address: string): string {
  const at = address.indexOf('@');
  if (at > 0) return `${address[0]}***${address.slice(at)}`;
  const visible = address.slice(-4);
  const hidden = Math.max(address.length - 4, 0);
  return `${address.startsWith('+') ? '+' : ''}${'*'.repeat(Math.max(hidden - (address.startsWith('+') ? 1 : 0), 0))}${visible}`;
}
