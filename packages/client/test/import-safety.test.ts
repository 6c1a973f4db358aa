import { describe, expect, it, vi } from 'vitest';

const browserGlobals = ['window', 'document', 'location', 'localStorage', 'navigator', 'self'] as const;

describe('importing @messagejs/client', () => {
  it('works in Node, where there is no window', async () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    vi.resetModules();

    const module = await import('@messagejs/client');

    expect(module.default).toMatchObject({
      init: expect.any(Function),
      send: expect.any(Function),
      sendForm: expect.any(Function),
    });
    expect(module.createClient).toBeTypeOf('function');
    expect(module.isMessageJSError).toBeTypeOf('function');
  });

  it('touches no browser global while loading', async () => {
    const touched: string[] = [];
    const saved = new Map<string, PropertyDescriptor | undefined>();
    for (const name of browserGlobals) {
      saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
      Object.defineProperty(globalThis, name, {
        configurable: true,
        get: () => {
          touched.push(name);
          return undefined;
        },
      });
    }
    try {
      vi.resetModules();
      await import('@messagejs/client');
    } finally {
      for (const [name, descriptor] of saved) {
        if (descriptor) Object.defineProperty(globalThis, name, descriptor);
        else Reflect.deleteProperty(globalThis, name);
      }
    }

    expect(touched).toEqual([]);
  });
});
