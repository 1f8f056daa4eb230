import { describe, expect, it } from 'vitest';
import { grade, qualityFigures, type QualityFigure } from './call-quality';
import { quality } from '../../test/fixtures';

const byKey = (q: Parameters<typeof qualityFigures>[0]) => Object.fromEntries(qualityFigures(q).map((f) => [f.key, f])) as Record<QualityFigure['key'], QualityFigure>;

describe('grade', () => {
  it('words the MOS: 4.0 and up good, 3.6 and up fair, else poor', () => {
    expect(grade(4.5)).toBe('good');
    expect(grade(4)).toBe('good');
    expect(grade(3.94)).toBe('fair');
    expect(grade(3.6)).toBe('fair');
    expect(grade(3.5)).toBe('poor');
    expect(grade(1)).toBe('poor');
  });

  it('grades the figure as shown, so "4.0" never reads "fair"', () => {
    expect(grade(3.96)).toBe('good');
    expect(byKey(quality({ mos: 3.96 })).mos).toMatchObject({ value: '4.0', note: 'good' });
    expect(byKey(quality({ mos: 3.54 })).mos).toMatchObject({ value: '3.5', note: 'poor', grade: 'poor' });
  });
});

describe('qualityFigures', () => {
  it('says when the sound travels encrypted', () => {
    expect(byKey(quality({ encrypted: true })).codec).toMatchObject({ value: 'PCMU', note: 'encrypted' });
    expect(byKey(quality()).codec.note).toBeNull();
    expect(byKey(quality()).codec.title).toMatch(/unencrypted/);
  });

  it('shows MOS with one decimal, jitter and delay in whole ms, loss in percent, the codec', () => {
    const f = byKey(quality({ mos: 4.32, jitter_ms: 3.4, loss_percent: 0.54, delay_ms: 59.6, codec: 'PCMA' }));
    expect(qualityFigures(quality()).map((x) => x.key)).toEqual(['mos', 'jitter', 'loss', 'rtt', 'delay', 'codec']);
    expect(f.mos).toMatchObject({ value: '4.3', note: 'good', grade: 'good' });
    expect(f.jitter.value).toBe('3 ms');
    expect(f.loss.value).toBe('0.5%');
    expect(f.delay.value).toBe('60 ms');
    expect(f.codec.value).toBe('PCMA');
  });

  it('says the round trip is not measured while RTCP is not read, and shows it once it is', () => {
    expect(byKey(quality({ rtt_ms: null })).rtt).toMatchObject({ value: '—', note: 'not measured' });
    expect(byKey(quality({ rtt_ms: 182.4 })).rtt).toMatchObject({ value: '182 ms', note: null });
  });

  it('explains every figure in its tooltip', () => {
    for (const f of qualityFigures(quality())) expect(f.title, f.key).not.toBe('');
  });
});
