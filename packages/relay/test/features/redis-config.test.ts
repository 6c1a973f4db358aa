import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@messagejs/relay';

describe('MESSAGEJS_REDIS_URL', () => {
  it('is null by default: everything stays in the process', () => {
    expect(loadConfig({}).redisUrl).toBeNull();
  });

  it.each(['redis://127.0.0.1:6379', 'rediss://:secret@redis.example:6380/2', 'redis://localhost'])(
    'takes %s',
    (url) => {
      expect(loadConfig({ MESSAGEJS_REDIS_URL: url }).redisUrl).toBe(url);
    },
  );

  it.each(['http://127.0.0.1:6379', 'redis://', 'redis:/x', '127.0.0.1:6379', 'not a url'])(
    'refuses %s, naming the variable',
    (url) => {
      let error: unknown;
      try {
        loadConfig({ MESSAGEJS_REDIS_URL: url });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.join('\n')).toContain('MESSAGEJS_REDIS_URL');
    },
  );

  it('never repeats the URL (which may hold a password) in the error', () => {
    expect(() => loadConfig({ MESSAGEJS_REDIS_URL: 'http://:hunter2@redis.example' })).toThrow(/^(?![\s\S]*hunter2)/);
  });
});

describe('MESSAGEJS_REDIS_KEY_PREFIX', () => {
  it('is messagejs: by default, and takes another', () => {
    expect(loadConfig({}).redisKeyPrefix).toBe('messagejs:');
    expect(loadConfig({ MESSAGEJS_REDIS_KEY_PREFIX: 'acme:prod:' }).redisKeyPrefix).toBe('acme:prod:');
  });

  it.each(['', 'with space', 'x'.repeat(65), 'caf\u00e9:'])('refuses %j, naming the variable', (prefix) => {
    expect(() => loadConfig({ MESSAGEJS_REDIS_KEY_PREFIX: prefix })).toThrow(/MESSAGEJS_REDIS_KEY_PREFIX/);
  });
});
