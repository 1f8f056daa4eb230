import { describe, expect, it } from 'vitest';
import { EMPTY_COPY, emptyMessage, SECTION_LABELS, unreadBadge, viewAfterStatus } from './views';

describe('SECTION_LABELS', () => {
  it('lists the six sidebar items in order', () => {
    expect(Object.values(SECTION_LABELS)).toEqual(['Dialer', 'Calls', 'Voicemail', 'Greetings', 'Numbers', 'Settings']);
  });
});

describe('viewAfterStatus', () => {
  it('opens onboarding when there is no account', () => {
    expect(viewAfterStatus('dialer', false, false)).toBe('onboarding');
  });

  it('keeps the start view when an account is connected', () => {
    expect(viewAfterStatus('dialer', false, true)).toBe('dialer');
  });

  it('leaves onboarding for the dialer when an account turns out to be connected', () => {
    expect(viewAfterStatus('onboarding', false, true)).toBe('dialer');
  });

  it('respects a view the user picked while the status was loading', () => {
    expect(viewAfterStatus('numbers', true, false)).toBe('numbers');
  });
});

describe('emptyMessage', () => {
  it('says a connected account is needed when there is none', () => {
    expect(emptyMessage(EMPTY_COPY.voicemail, 'none')).toBe(
      'Connect a Twilio account; the inbox with transcripts will appear here.',
    );
  });

  it('says the section arrives later when an account is connected', () => {
    expect(emptyMessage(EMPTY_COPY.calls, 'connected')).toBe(
      'Your call history, incoming and outgoing, will appear here in a later version of Switchboard.',
    );
  });

  it('claims neither while the status is loading', () => {
    const message = emptyMessage(EMPTY_COPY.numbers, 'loading');
    expect(message).not.toMatch(/connect|later version/i);
  });
});

describe('unreadBadge', () => {
  it('is hidden with nothing unread', () => {
    expect(unreadBadge(0)).toBeNull();
    expect(unreadBadge(null)).toBeNull();
    expect(unreadBadge(undefined)).toBeNull();
  });

  it('shows the count and says what it counts', () => {
    expect(unreadBadge(3)).toEqual({ text: '3', label: '3 unread' });
    expect(unreadBadge(1)).toEqual({ text: '1', label: '1 unread' });
  });

  it('keeps the pill small past 99 but reads out the number', () => {
    expect(unreadBadge(99)).toEqual({ text: '99', label: '99 unread' });
    expect(unreadBadge(1234)).toEqual({ text: '99+', label: '1234 unread' });
  });
});
