import { describe, expect, it } from 'vitest';
import { callBackNumber, dayStart, durationText, EMPTY_FORM, formProblem, logFilter, outcomeLabel, priceText, recentFilter, searchDigits, statusText, summaryFigures } from './call-log';

describe('the filter', () => {
  it('is empty by default: every call, newest first, up to the list’s length', () => {
    expect(logFilter(EMPTY_FORM)).toEqual({ direction: null, outcome: null, since: null, until: null, number: null, hide_to: null, limit: 200 });
    expect(recentFilter().limit).toBe(5);
  });

  it('turns a date range into Unix seconds, the last day included', () => {
    const f = logFilter({ ...EMPTY_FORM, from: '2026-11-01', to: '2026-11-30' });
    expect(f.since).toBe(new Date(2026, 10, 1).getTime() / 1000);
    expect(f.until, 'until is exclusive: the midnight after the last day').toBe(new Date(2026, 11, 1).getTime() / 1000);
    expect(dayStart('2026-12-31', 1)).toBe(new Date(2027, 0, 1).getTime() / 1000);
    expect(dayStart('')).toBeNull();
  });

  it('passes direction and outcome, and searches by digits only', () => {
    const f = logFilter({ ...EMPTY_FORM, direction: 'inbound', outcome: 'missed', search: '(415) 555-' });
    expect(f).toMatchObject({ direction: 'inbound', outcome: 'missed', number: '415555' });
    expect(searchDigits('Dana')).toBeNull();
  });

  it('reports a range that ends before it starts', () => {
    expect(formProblem({ ...EMPTY_FORM, from: '2026-11-30', to: '2026-11-01' })).toMatch(/after/);
    expect(formProblem({ ...EMPTY_FORM, from: '2026-11-30', to: '2026-11-30' }), 'one day is a range').toBeNull();
  });
});

describe('wording', () => {
  it('shows lengths, and a dash for calls that never connected', () => {
    expect(durationText(42)).toBe('0:42');
    expect(durationText(3723)).toBe('1:02:03');
    expect(durationText(0)).toBe('—');
    expect(durationText(null)).toBe('—');
  });

  it('shows what a call cost as a positive amount in its currency', () => {
    expect(priceText('-0.0085', 'USD')).toBe('$0.0085');
    expect(priceText('-1.20', 'usd')).toBe('$1.20');
    expect(priceText('-0.50', 'EUR')).toBe('€0.50');
    expect(priceText('-0.0170', 'USD')).toBe('$0.017');
    expect(priceText(null, 'USD')).toBe('—');
  });

  it('sums up the filter', () => {
    const figures = summaryFigures({ total: 1234, inbound: 800, outbound: 434, missed: 17, average_duration: 93.6, total_cost: 12.5, cost_unit: 'USD' });
    expect(Object.fromEntries(figures.map((f) => [f.label, f.value]))).toEqual({
      Calls: '1,234',
      Incoming: '800',
      Outgoing: '434',
      Missed: '17',
      'Avg. length': '1:34',
      'Total cost': '$12.50',
    });
    const none = summaryFigures({ total: 0, inbound: 0, outbound: 0, missed: 0, average_duration: null, total_cost: null, cost_unit: null });
    expect(none.find((f) => f.label === 'Total cost')!.value).toBe('—');
  });

  it('names outcomes and statuses', () => {
    expect(outcomeLabel('missed')).toEqual({ text: 'Missed', tone: 'danger' });
    expect(statusText('no-answer')).toBe('No answer');
    expect(statusText('canceled')).toBe('Cancelled');
    expect(statusText('something-new')).toBe('something-new');
  });

  it('calls back phone numbers only', () => {
    expect(callBackNumber({ remote: '+14155550123' })).toBe('+14155550123');
    expect(callBackNumber({ remote: 'client:switchboard-default' })).toBeNull();
    expect(callBackNumber({ remote: null })).toBeNull();
  });
});
