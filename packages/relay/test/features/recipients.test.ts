import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, DEMO_ORIGIN, startRelay, type TestRelay } from '../helpers/start-relay.js';

let t: TestRelay;
beforeAll(async () => {
  t = await startRelay();
});
afterAll(() => t.cleanup());

const analyze = (body: unknown, key = t.demo.secretKey) => call(t, 'POST', '/v1/recipients/analyze', { key, body });

describe('POST /v1/recipients/analyze', () => {
  it('returns validity, E.164, country, type and the operator by prefix for each number', async () => {
    const res = await analyze({ numbers: ['0612345678', '+241 77 12 34 56', '+33 6 12 34 56 78', 'not a number'] });
    expect(res.status).toBe(200);
    const [ma, ga, fr, bad] = res.body.results;
    expect(ma).toMatchObject({
      valid: true,
      e164: '+212612345678',
      country: 'MA',
      type: 'mobile',
      operatorSource: 'prefix',
      allowed: true,
    });
    expect(typeof ma.operator).toBe('string');
    expect(ga).toMatchObject({ valid: true, country: 'GA', operator: 'Airtel Gabon', operatorSource: 'prefix' });
    expect(fr).toMatchObject({ valid: true, country: 'FR', operator: null, operatorSource: null });
    expect(bad).toMatchObject({ valid: false, e164: null, allowed: false });
  });

  it('takes up to 1,000 numbers', async () => {
    const numbers = Array.from({ length: 1000 }, (_, i) => `+2126${String(10_000_000 + i)}`);
    const res = await analyze({ numbers });
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(1000);
    const over = await analyze({ numbers: [...numbers, '+212612345678'] });
    expect(over.status).toBe(400);
    expect(over.body.error).toMatchObject({ code: 'validation_failed', field: 'numbers' });
  });

  it('is refused to public keys', async () => {
    const res = await call(t, 'POST', '/v1/recipients/analyze', {
      key: t.demo.publicKey,
      origin: DEMO_ORIGIN,
      body: { numbers: ['+212612345678'] },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });
});
