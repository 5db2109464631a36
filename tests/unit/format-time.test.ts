import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime } from '../../src/web/composables/format-time';
import { formatDateTime as usagePagesFormat } from '../../src/web/components/usage/usage-format';
import { browserLocale } from '../../src/web/i18n';

// Local times, so the table holds in any time zone the tests run in.
const at = new Date(2026, 11, 2, 9, 5, 7);

describe('dates in each language', () => {
  it.each([
    ['zh-CN', false, '2026-12-02 09:05'],
    ['zh-CN', true, '2026-12-02 09:05:07'],
    ['en', false, 'Dec 2, 2026, 09:05'],
    ['en', true, 'Dec 2, 2026, 09:05:07'],
    ['en-GB', false, '2 Dec 2026, 09:05'],
  ])('an instant in %s (seconds: %s) reads %j', (locale, seconds, text) => {
    expect(formatDateTime(at, locale, seconds)).toBe(text);
    expect(formatDateTime(at.toISOString(), locale, seconds)).toBe(text);
  });

  it.each([
    ['2020-08-01', 'zh-CN', '2020-08-01'],
    ['2020-08-01', 'en', 'Aug 1, 2020'],
    ['2026-12-31 23:59:59', 'en', 'Dec 31, 2026'],
    // A calendar day stays that day whatever the time zone.
    ['2026-01-01', 'en', 'Jan 1, 2026'],
    [null, 'zh-CN', ''],
    ['', 'en', ''],
    ['长期', 'en', '长期'],
  ])('the certificate date %j in %s reads %j', (value, locale, text) => {
    expect(formatDate(value, locale)).toBe(text);
  });

  it('gives an empty text for an unreadable instant', () => {
    expect(formatDateTime('not a date', 'zh-CN')).toBe('');
    expect(formatDateTime('not a date', 'en')).toBe('');
  });

  it('is the same function the usage pages use, so no page formats dates its own way', () => {
    expect(usagePagesFormat).toBe(formatDateTime);
  });
});

describe('the language of a first visit', () => {
  it.each([
    [['en-US', 'en'], 'en'],
    [['en-GB'], 'en'],
    [['EN'], 'en'],
    [['zh-CN', 'en-US'], 'zh-CN'],
    [['zh-TW'], 'zh-CN'],
    [['fr-FR', 'en-US'], 'en'],
    [['fr-FR', 'de'], 'zh-CN'],
    [['de', 'zh_CN', 'en'], 'zh-CN'],
    [[], 'zh-CN'],
  ])('%j opens in %s', (languages, locale) => {
    expect(browserLocale(languages)).toBe(locale);
  });
});
