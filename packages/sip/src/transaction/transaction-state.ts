/**
 * States of the four RFC 3261 §17 transaction machines, plus the "Accepted" state RFC 6026 §7.1 and
 * §7.2 add to both INVITE machines. Which machine uses which state:
 *
 *   INVITE client      Calling -> Proceeding -> Completed | Accepted -> Terminated
 *   non-INVITE client  Trying  -> Proceeding -> Completed            -> Terminated
 *   INVITE server      Proceeding -> Completed -> Confirmed | Accepted -> Terminated
 *   non-INVITE server  Trying  -> Proceeding -> Completed            -> Terminated
 */
export enum TransactionState {
  Calling = 'calling',
  Trying = 'trying',
  Proceeding = 'proceeding',
  Completed = 'completed',
  Confirmed = 'confirmed',
  Accepted = 'accepted',
  Terminated = 'terminated',
}

export type TransactionKind = 'invite_client' | 'non_invite_client' | 'invite_server' | 'non_invite_server';

/** Why a transaction ended, the `outcome` label of `sip_transactions`. */
export type TransactionOutcome = 'completed' | 'timeout' | 'transport_error' | 'disposed';
