import { useEffect, useState } from 'react';
import { isMessageJSError } from '@messagejs/client';
import { configError, FINAL_STATUSES, messagejs } from './config.js';

/** `{ code, message }` for the page: the SDK's stable code, or the error's name for anything else. */
function describe(error) {
  return isMessageJSError(error)
    ? { code: error.code, message: error.message }
    : { code: error?.name ?? 'Error', message: String(error?.message ?? error) };
}

export function App() {
  const [fields, setFields] = useState({ to: '+212612345678', order: 'A-1001', eta: 'tomorrow' });
  const [sending, setSending] = useState(false);
  const [message, setMessage] = useState(null); // { id, status }
  const [error, setError] = useState(null); // { code, message }

  // Polls the message every 500 ms until it reaches a final status.
  const id = message?.id;
  useEffect(() => {
    if (!id) return undefined;
    let stopped = false;
    let timer;
    const poll = async () => {
      try {
        const current = await messagejs.status(id);
        if (stopped) return;
        setMessage({ id, status: current.status });
        if (!FINAL_STATUSES.includes(current.status)) timer = setTimeout(poll, 500);
      } catch (err) {
        if (!stopped) setError(describe(err));
      }
    };
    timer = setTimeout(poll, 500);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id]);

  async function onSubmit(event) {
    event.preventDefault();
    setError(null);
    setMessage(null);
    setSending(true);
    try {
      const sent = await messagejs.send({
        template: 'order_update',
        to: fields.to,
        params: { order: fields.order, eta: fields.eta },
      });
      setMessage({ id: sent.id, status: sent.status });
    } catch (err) {
      setError(describe(err));
    } finally {
      setSending(false);
    }
  }

  const field = (name) => ({
    name,
    value: fields[name],
    onChange: (e) => setFields({ ...fields, [name]: e.target.value }),
  });

  return (
    <main>
      <h1>MessageJS — React</h1>
      <p className="lead">
        Sends the demo project's <code>order_update</code> template (an SMS, delivered by the relay's{' '}
        <code>console</code> connector) with <code>@messagejs/client</code>, then follows its status.
      </p>

      {configError ? (
        <p id="config-error" role="alert" className="error">
          {configError}
        </p>
      ) : (
        <form id="order-form" onSubmit={onSubmit}>
          <label>
            Phone number <input type="tel" required autoComplete="tel" {...field('to')} />
          </label>
          <label>
            Order <input required maxLength={20} {...field('order')} />
          </label>
          <label>
            Arriving <input required maxLength={40} {...field('eta')} />
          </label>
          <button type="submit" disabled={sending}>
            {sending ? 'Sending…' : 'Send order update'}
          </button>
        </form>
      )}

      {message && (
        <section id="result">
          <h2>Status</h2>
          <p>
            Message <code id="message-id">{message.id}</code> is{' '}
            <strong id="message-status" data-status={message.status}>
              {message.status}
            </strong>
          </p>
        </section>
      )}

      {error && (
        <p id="error" role="alert" className="error" data-code={error.code}>
          <strong>{error.code}</strong>: {error.message}
        </p>
      )}
    </main>
  );
}
