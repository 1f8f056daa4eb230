/** The app's views: the six in the sidebar, and onboarding, reached from Settings or at first start. */

export type SectionId = 'dialer' | 'calls' | 'voicemail' | 'greetings' | 'numbers' | 'settings';
export type ViewId = SectionId | 'onboarding';

/** Each section's name in the sidebar, in the sidebar's order. */
export const SECTION_LABELS: Readonly<Record<SectionId, string>> = {
  dialer: 'Dialer',
  calls: 'Calls',
  voicemail: 'Voicemail',
  greetings: 'Greetings',
  numbers: 'Numbers',
  settings: 'Settings',
};

/**
 * Which view to show once `app_status` answers. Without an account the app opens on onboarding,
 * unless the user already picked a view while the status was loading.
 */
export function viewAfterStatus(current: ViewId, userNavigated: boolean, hasProfile: boolean): ViewId {
  if (userNavigated) return current;
  if (!hasProfile) return 'onboarding';
  return current === 'onboarding' ? 'dialer' : current;
}

/** The sections that have no content yet, and what each will hold. */
export type PlannedSection = Exclude<SectionId, 'settings'>;

export interface EmptyCopy {
  /** One line under the view's title saying what the section is for. */
  purpose: string;
  /** The empty state's headline. */
  empty: string;
  /** What will appear, as the end of a sentence ("… will appear here"). */
  holds: string;
}

export const EMPTY_COPY: Record<PlannedSection, EmptyCopy> = {
  dialer: {
    purpose: 'Place calls from your Twilio numbers.',
    empty: 'No dialer yet',
    holds: 'the keypad, with your Twilio numbers as caller ID, will appear here',
  },
  calls: {
    purpose: 'Every call made and received on your account.',
    empty: 'No calls yet',
    holds: 'your call history, incoming and outgoing, will appear here',
  },
  voicemail: {
    purpose: 'Messages left on your numbers, with transcripts.',
    empty: 'No voicemail yet',
    holds: 'the inbox with transcripts will appear here',
  },
  greetings: {
    purpose: 'What callers hear when nobody picks up.',
    empty: 'No greetings yet',
    holds: 'your greetings (recorded or text-to-speech, for open hours, after hours and holidays) will be managed here',
  },
  numbers: {
    purpose: 'The phone numbers on your Twilio account.',
    empty: 'No numbers yet',
    holds: 'your Twilio numbers will be listed here, with search and purchase of new ones',
  },
};

/**
 * Whether an account is connected, as far as the UI knows: `loading` until `app_status` answers,
 * `unknown` when it failed.
 */
export type AccountState = 'loading' | 'unknown' | 'none' | 'connected';

/** The empty state's sentence, honest about why it is empty. */
export function emptyMessage(copy: EmptyCopy, account: AccountState): string {
  const holds = copy.holds.charAt(0).toUpperCase() + copy.holds.slice(1);
  switch (account) {
    case 'none':
      return `Connect a Twilio account; ${copy.holds}.`;
    case 'connected':
      return `${holds} in a later version of Switchboard.`;
    case 'loading':
    case 'unknown':
      return `${holds}.`;
  }
}

/** A count pill on a sidebar item: what it shows, and what a screen reader says instead. */
export interface Badge {
  text: string;
  label: string;
}

/** The Voicemail item's unread pill, `null` (hidden) at 0; past 99 it shows "99+" but says the number. */
export function unreadBadge(count: number | null | undefined): Badge | null {
  if (!count || count < 1) return null;
  return { text: count > 99 ? '99+' : String(count), label: `${count} unread` };
}
