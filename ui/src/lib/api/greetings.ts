/** Voicemail greetings: what is published, changes, previews, recorded takes and their hosting. */
import { call } from '../backend';
import type { GreetingsEdit, GreetingsHosting, GreetingsOverview, GreetingsPublished, RecordedGreetingInput } from '../bindings';

export function listGreetings(): Promise<GreetingsOverview> {
  return call('list_greetings', {});
}

export function changeGreetings(edit: GreetingsEdit): Promise<GreetingsPublished> {
  return call('change_greetings', { edit });
}

/** Plays a greeting's local copy; resolves to the output device's name, if known. */
export function previewGreeting(local: string): Promise<string | null> {
  return call('preview_greeting', { local });
}

/** Uploads the recorded take and publishes it as a greeting. */
export function publishTake(input: RecordedGreetingInput): Promise<GreetingsPublished> {
  return call('publish_take', { input });
}

export function greetingsHosting(): Promise<GreetingsHosting> {
  return call('greetings_hosting', {});
}

/** Lets anyone read the bucket's `greetings/` (and nothing else); resolves to the hosting after. */
export function applyGreetingsPolicy(): Promise<GreetingsHosting> {
  return call('apply_greetings_policy', {});
}
