/** Call routing: the Twilio setup that sends a number's calls to Switchboard and voicemail. */
import { call } from '../backend';
import type { RoutingStatus } from '../bindings';

/** The routing deployed on the account; `null` when there is none. */
export function routingStatus(): Promise<RoutingStatus | null> {
  return call('routing_status', {});
}

export function deployRouting(): Promise<RoutingStatus> {
  return call('deploy_routing', {});
}

/** Removes the routing; resolves to whether there was any. */
export function removeRouting(): Promise<boolean> {
  return call('remove_routing', {});
}
