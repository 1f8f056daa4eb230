import { describe, expect, it } from 'vitest';
import { hoursLabel, sayTwiml, whenLabel } from './greetings';

describe('sayTwiml', () => {
  it('escapes the text and attributes as Twilio writes them', () => {
    expect(sayTwiml({ text: 'Call "Tom & Jerry" <now>', voice: 'Polly.Joanna-Neural', language: 'en-US' })).toBe(
      '<Say voice="Polly.Joanna-Neural" language="en-US">Call &quot;Tom &amp; Jerry&quot; &lt;now&gt;</Say>',
    );
    expect(sayTwiml({ text: 'Hi', voice: null, language: null })).toBe('<Say>Hi</Say>');
  });
});

describe('hoursLabel and whenLabel', () => {
  it('joins consecutive days into ranges', () => {
    expect(hoursLabel({ days: [1, 2, 3, 4, 5], from: '09:00', to: '17:30' })).toBe('Mon–Fri 09:00–17:30');
    expect(hoursLabel({ days: [6, 0], from: '10:00', to: '14:00' })).toBe('Sun, Sat 10:00–14:00');
    expect(hoursLabel({ days: [1, 2, 4], from: '08:00', to: '12:00' })).toBe('Mon, Tue, Thu 08:00–12:00');
  });

  it('says when each kind plays', () => {
    const base = { id: 'g', url: null, say: null, open: null, from: null, to: null };
    expect(whenLabel({ ...base, kind: 'default' })).toBe('When nothing else applies');
    expect(whenLabel({ ...base, kind: 'holiday', from: '2026-12-24', to: '2026-12-26' })).toBe('2026-12-24 to 2026-12-26');
    expect(whenLabel({ ...base, kind: 'holiday', from: '2026-07-04', to: '2026-07-04' })).toBe('On 2026-07-04');
    expect(whenLabel({ ...base, kind: 'after_hours', open: [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '17:30' }] })).toBe(
      'Outside Mon–Fri 09:00–17:30',
    );
  });
});

describe('pronounce', () => {
  it('replaces whole words in any case, longest first, exactly as the core does', async () => {
    const { pronounce } = await import('./greetings');
    const list = [
      { term: 'PixlyPro', say_as: 'Pixly Pro' },
      { term: 'PixlyPro Max', say_as: 'Pixly Pro Max' },
      { term: 'SQL', say_as: 'sequel' },
    ];
    expect(pronounce('Thanks for calling PixlyPro. pixlypro max owners, press 1. MySQL is not SQL.', list)).toBe(
      'Thanks for calling Pixly Pro. Pixly Pro Max owners, press 1. MySQL is not sequel.',
    );
    expect(pronounce('nothing to do', list)).toBe('nothing to do');
  });
});

describe('scheduleFor', () => {
  const form = { days: [false, true, true, true, true, true, false], openFrom: '09:00', openTo: '17:30', holidayFrom: '', holidayTo: '' };

  it('sends nothing for a default greeting', async () => {
    const { scheduleFor } = await import('./greetings');
    expect(scheduleFor('default', { ...form, holidayFrom: '2026-12-24' })).toEqual({});
  });

  it('sends the open days and hours for an after-hours greeting, midnight as the end of the day', async () => {
    const { scheduleFor } = await import('./greetings');
    expect(scheduleFor('after_hours', form)).toEqual({ open: [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '17:30' }] });
    expect(scheduleFor('after_hours', { ...form, days: [true, false, false, false, false, false, true], openTo: '00:00' })).toEqual({
      open: [{ days: [0, 6], from: '09:00', to: '24:00' }],
    });
    expect(scheduleFor('after_hours', { ...form, days: [false, false, false, false, false, false, false] })).toEqual({ error: 'Pick the days you are open.' });
  });

  it('sends a date range for a holiday, one day when the last is empty', async () => {
    const { scheduleFor } = await import('./greetings');
    expect(scheduleFor('holiday', { ...form, holidayFrom: '2026-12-24', holidayTo: '2026-12-26' })).toEqual({ from: '2026-12-24', to: '2026-12-26' });
    expect(scheduleFor('holiday', { ...form, holidayFrom: '2026-07-04' })).toEqual({ from: '2026-07-04', to: '2026-07-04' });
    expect(scheduleFor('holiday', form)).toEqual({ error: 'Pick the first day of the holiday.' });
    expect(scheduleFor('holiday', { ...form, holidayFrom: '2026-12-26', holidayTo: '2026-12-24' })).toEqual({
      error: 'The last day of the holiday is before its first.',
    });
  });
});
