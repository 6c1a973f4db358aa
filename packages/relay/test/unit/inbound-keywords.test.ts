import { describe, expect, it } from 'vitest';
import {
  checkKeywordLists,
  defaultInboundSettings,
  keywordReply,
  matchKeyword,
  normalizeKeyword,
} from '../../src/features/inbound/keywords.js';
import { checkRulePattern, firstMatchingRule, ruleMatches } from '../../src/features/inbound/rule-match.js';
import type { InboundRuleRecord } from '../../src/store/types/index.js';

describe('matchKeyword', () => {
  it.each([
    ['STOP', { kind: 'stop', language: 'en' }],
    ['  stop\n', { kind: 'stop', language: 'en' }],
    ['StopAll', { kind: 'stop', language: 'en' }],
    ['arrêt', { kind: 'stop', language: 'fr' }],
    ['ARRÊT', { kind: 'stop', language: 'fr' }],
    ['Unstop', { kind: 'start', language: 'en' }],
    ['yes', { kind: 'start', language: 'en' }],
    ['info', { kind: 'help', language: 'en' }],
    ['aide', { kind: 'help', language: 'fr' }],
    ['stop please', null],
    ['STOP.', null],
    ['', null],
    ['s'.repeat(500), null],
  ])('reads %j as %j', (text, expected) => {
    expect(matchKeyword(text, defaultInboundSettings)).toEqual(expected);
  });

  it('tries the default language first: a word of two languages is answered in the default one', () => {
    const settings = { ...defaultInboundSettings, defaultLanguage: 'fr' };
    expect(matchKeyword('stop', settings)).toEqual({ kind: 'stop', language: 'fr' });
    expect(keywordReply({ kind: 'stop', language: 'fr' }, settings, 'Shop')).toMatch(
      /^Vous êtes désabonné\(e\) de Shop/,
    );
  });

  it('takes accents and compatibility forms off, and capitalises', () => {
    expect(normalizeKeyword(' Désabonner ')).toBe('DESABONNER');
    expect(normalizeKeyword('ＳＴＯＰ')).toBe('STOP');
  });

  it('refuses a word that is two keywords of one language, naming it', () => {
    const en = { stop: ['STOP'], start: ['Stöp'], help: [], replies: { stop: null, start: null, help: null } };
    expect(() => checkKeywordLists({ defaultLanguage: 'en', languages: { en } })).toThrow(
      expect.objectContaining({ code: 'validation_failed', field: 'languages.en.start.0' }),
    );
    expect(() => checkKeywordLists(defaultInboundSettings)).not.toThrow();
  });
});

describe('auto-reply rules', () => {
  const rule = (id: string, fields: Partial<InboundRuleRecord>): InboundRuleRecord => ({
    id,
    projectId: 'prj_1',
    kind: 'regex',
    pattern: 'x',
    reply: id,
    priority: 1,
    active: true,
    createdAt: 0,
    updatedAt: 0,
    ...fields,
  });

  it('matches a keyword as the whole text and an expression anywhere, without regard to case', () => {
    expect(ruleMatches({ kind: 'keyword', pattern: 'menu' }, ' MENÚ ')).toBe(true);
    expect(ruleMatches({ kind: 'keyword', pattern: 'menu' }, 'the menu')).toBe(false);
    expect(ruleMatches({ kind: 'regex', pattern: 'open(ing)?\\s+hours' }, 'What are your OPENING hours?')).toBe(true);
    expect(ruleMatches({ kind: 'regex', pattern: '^open$' }, 'opened')).toBe(false);
  });

  it('answers with the first active rule in the order given', () => {
    const rules = [
      rule('off', { active: false, pattern: 'a' }),
      rule('first', { pattern: 'a' }),
      rule('second', { pattern: 'a' }),
    ];
    expect(firstMatchingRule(rules, 'abc')?.id).toBe('first');
    expect(firstMatchingRule(rules, 'xyz')).toBeNull();
  });

  it('runs in linear time: a pattern that backtracks exponentially elsewhere answers at once', () => {
    const started = performance.now();
    expect(ruleMatches({ kind: 'regex', pattern: '^(a+)+$' }, `${'a'.repeat(4000)}!`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it.each([
    ['regex', 'a(?=b)'],
    ['regex', 'a(?<!b)'],
    ['regex', '(a)\\1'],
    ['regex', '(?<n>a)\\k<n>'],
    ['regex', '(unclosed'],
    ['regex', '((((.{1,20}){1,20}){1,20}))'],
    ['keyword', 'two words'],
    ['keyword', 'x'.repeat(33)],
  ] as const)('refuses the %s %j naming `pattern`', (kind, pattern) => {
    expect(() => checkRulePattern(kind, pattern)).toThrow(
      expect.objectContaining({ code: 'validation_failed', field: 'pattern' }),
    );
  });
});
