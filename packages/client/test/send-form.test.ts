import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, type SendFormOptions } from '@messagejs/client';
import { accepted, answer, publicKey, rejectionOf, relayUrl, useRelay } from './helpers/relay.js';

useRelay();

/**
 * Node has no DOM, so a form is an object with `tagName: 'FORM'` and its entries, and `FormData`
 * is stubbed to read them — only in this file. The real browser path is covered by the e2e tests.
 */
type Entries = [string, string | Blob][];
const fakeForm = (entries: Entries) => ({ tagName: 'FORM', entries });
class FakeFormData {
  readonly #entries: Entries;
  constructor(form: { entries: Entries }) {
    this.#entries = form.entries;
  }
  [Symbol.iterator]() {
    return this.#entries[Symbol.iterator]();
  }
}

let page: Record<string, unknown>;
beforeEach(() => {
  page = {};
  vi.stubGlobal('FormData', FakeFormData);
  vi.stubGlobal('document', {
    querySelector: (selector: string) => {
      if (selector.startsWith('!')) throw new DOMException(`'${selector}' is not a valid selector`, 'SyntaxError');
      return page[selector] ?? null;
    },
  });
});
afterEach(() => vi.unstubAllGlobals());

const client = () => createClient({ publicKey, relayUrl });

describe('sendForm', () => {
  it.each<{ name: string; entries: Entries; options: SendFormOptions; body: unknown }>([
    {
      name: 'maps text fields to params',
      entries: [
        ['name', 'Amina'],
        ['message', 'Hello'],
      ],
      options: { template: 'contact' },
      body: { template: 'contact', params: { name: 'Amina', message: 'Hello' } },
    },
    {
      name: 'maps a field named `to` to the recipient',
      entries: [
        ['to', '+212612345678'],
        ['name', 'Amina'],
      ],
      options: { template: 'contact' },
      body: { template: 'contact', to: '+212612345678', params: { name: 'Amina' } },
    },
    {
      name: 'prefers the `to` option over a `to` field',
      entries: [
        ['to', '+212600000000'],
        ['name', 'Amina'],
      ],
      options: { template: 'contact', to: '+212612345678' },
      body: { template: 'contact', to: '+212612345678', params: { name: 'Amina' } },
    },
    {
      name: 'ignores files',
      entries: [
        ['name', 'Amina'],
        ['cv', new Blob(['%PDF'])],
      ],
      options: { template: 'contact' },
      body: { template: 'contact', params: { name: 'Amina' } },
    },
    {
      name: 'merges extra params over the fields',
      entries: [
        ['name', 'Amina'],
        ['source', 'form'],
      ],
      options: { template: 'contact', params: { source: 'footer', order: 1001 } },
      body: { template: 'contact', params: { name: 'Amina', source: 'footer', order: 1001 } },
    },
    {
      name: 'keeps a field named like an Object method as a plain param',
      entries: [['constructor', 'Amina']],
      options: { template: 'contact' },
      body: { template: 'contact', params: { constructor: 'Amina' } },
    },
    {
      name: 'joins repeated fields such as checkboxes',
      entries: [
        ['topics', 'sms'],
        ['topics', 'whatsapp'],
      ],
      options: { template: 'contact' },
      body: { template: 'contact', params: { topics: 'sms, whatsapp' } },
    },
  ])('$name', async ({ entries, options, body }) => {
    const seen = answer('post', '/v1/messages', accepted());
    page['#contact-form'] = fakeForm(entries);

    await expect(client().sendForm('#contact-form', options)).resolves.toMatchObject({ id: 'msg_01HZX3' });

    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toEqual(body);
  });

  it('accepts a form element instead of a selector', async () => {
    const seen = answer('post', '/v1/messages', accepted());

    await client().sendForm(fakeForm([['name', 'Amina']]) as unknown as HTMLFormElement, { template: 'contact' });

    expect(seen[0]!.body).toEqual({ template: 'contact', params: { name: 'Amina' } });
  });

  it('passes the idempotency key through', async () => {
    const seen = answer('post', '/v1/messages', accepted());
    page['form'] = fakeForm([]);

    await client().sendForm('form', { template: 'contact' }, { idempotencyKey: 'contact-1' });

    expect(seen[0]!.headers.get('idempotency-key')).toBe('contact-1');
  });

  it.each([
    ['no element matches the selector', '#missing', /No element matches the selector "#missing"/],
    ['the selector matches something other than a form', '#a-div', /needs a <form> element.*sendForm\("#a-div"/],
    ['the selector is not valid CSS', '!form', /^"!form" is not a valid CSS selector: sendForm\("!form"/],
  ])('rejects with a TypeError and sends nothing when %s', async (_, selector, message) => {
    const seen = answer('post', '/v1/messages', accepted());
    page['#a-div'] = { tagName: 'DIV' };

    const error = await rejectionOf(client().sendForm(selector, { template: 'contact' }));

    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
    expect(seen).toHaveLength(0);
  });

  it('rejects with a TypeError when the template is missing', async () => {
    page['#contact-form'] = fakeForm([]);

    await expect(client().sendForm('#contact-form', {} as { template: string })).rejects.toThrow(
      new TypeError(`sendForm needs the template to send: sendForm("#contact-form", { template: 'contact' })`),
    );
  });

  it('rejects with a TypeError naming the selector where there is no document', async () => {
    vi.stubGlobal('document', undefined);

    await expect(client().sendForm('#contact-form', { template: 'contact' })).rejects.toThrow(
      /^sendForm\("#contact-form"\) needs a page/,
    );
  });
});
