import messagejs from '@messagejs/client';

const publicKey = import.meta.env.VITE_MESSAGEJS_PUBLIC_KEY;
const relayUrl = import.meta.env.VITE_MESSAGEJS_RELAY_URL;

/** Why the app cannot send (missing or invalid settings), or null once `messagejs.init` succeeded. */
export const configError = (() => {
  const missing = [!publicKey && 'VITE_MESSAGEJS_PUBLIC_KEY', !relayUrl && 'VITE_MESSAGEJS_RELAY_URL'].filter(Boolean);
  if (missing.length > 0)
    return `Missing ${missing.join(' and ')}: copy .env.example to .env.local, fill it in and restart the dev server.`;
  try {
    messagejs.init({ publicKey, relayUrl });
    return null;
  } catch (error) {
    return error.message;
  }
})();

export const FINAL_STATUSES = ['delivered', 'read', 'failed', 'undelivered', 'canceled', 'expired'];
export { messagejs };
