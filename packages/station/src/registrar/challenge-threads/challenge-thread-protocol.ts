import type { BeckonConfig } from '@beckon/config';
import type { CounterDelta } from '@beckon/ops';
import type { DigestServerAlgorithm } from '@beckon/sip';
import type { RegistrarInit } from '../registrar.js';
import type { PackedDatagrams } from './datagram-batch.js';

/** What a challenge thread is started with (plain data: it crosses a thread boundary). */
export interface ChallengeThreadInit {
  /** Descriptor of the main thread's bound UDP socket, shared (see UdpListener.fd). */
  readonly fd: number;
  readonly host: string;
  readonly port: number;
  readonly maxMessageSize: number;
  readonly realm: string;
  readonly algorithms: readonly DigestServerAlgorithm[];
  readonly nonceLifetimeSec: number;
  /** The main thread's nonce key: nonces issued here verify there. */
  readonly nonceSecret: Uint8Array;
  readonly registrar: Omit<RegistrarInit, 'now'>;
  readonly serverHeader: string;
  /** Coalesce the thread's UDP sends per event-loop turn (`sip.udpCoalesceSends`). */
  readonly coalesceSends: boolean;
  /**
   * The credential store to check the responses of authenticated REGISTERs with before handing them over
   * (`registrar.challengeThreadsVerify`); absent: they are handed over unchecked.
   */
  readonly credentials?: ThreadCredentials;
  /** Read and write the socket in batches when the native helper loads (`sip.udpBatchIo`). */
  readonly batchIo: boolean;
  readonly logLevel: string;
  /** How often counter growth is reported to the main thread, ms. */
  readonly reportIntervalMs: number;
  /** The main thread's OverloadSignal (its buffer): while on, REGISTERs without credentials are dropped. */
  readonly overload?: SharedArrayBuffer;
}

/**
 * Where a thread gets the main thread's credential store from (plain data): the configured users
 * (`auth.users`), or a module exporting a CredentialStore (an embedder's or a benchmark's own store).
 */
export type ThreadCredentials =
  | {
      readonly kind: 'users';
      readonly users: BeckonConfig['auth']['users'];
    }
  | { readonly kind: 'module'; readonly url: string; readonly name: string };

/** Thread -> main. */
export type ChallengeThreadMessage =
  /**
   * Reading. `ownDescriptor`: the thread's socket wraps a duplicate of the shared descriptor (the UDP
   * helper made it), so the thread ending leaves the main thread's socket open; false: it wraps the
   * shared descriptor itself, which closes with the thread.
   */
  | { readonly t: 'ready'; readonly ownDescriptor: boolean }
  | { readonly t: 'failed'; readonly message: string }
  /**
   * Datagrams this thread does not answer, in arrival order: the main thread handles each as if it had
   * read it. Batched per event-loop turn of the thread (one message, its buffers transferred, for
   * everything read in one turn).
   */
  | {
      readonly t: 'datagrams';
      readonly batch: PackedDatagrams;
      /** When the thread posted it (performance.timeOrigin + performance.now(), ms): its queueing age. */
      readonly sentAt: number;
    }
  | { readonly t: 'counters'; readonly deltas: readonly CounterDelta[] };

/** A handed-over datagram waiting for the main thread's event loop. */
export interface HandedOver {
  readonly data: Buffer;
  readonly address: string;
  readonly port: number;
  /** When the thread posted it (see the 'datagrams' message). */
  readonly sentAt: number;
}

/** Main -> thread. */
export type ChallengeThreadCommand =
  | { readonly t: 'report' }
  /**
   * Datagrams the main thread sent through the shared socket in one event-loop turn, for this thread to
   * write (the main thread counted them; `ChallengeThreadsInit.writeMainSends`).
   */
  | { readonly t: 'send'; readonly batch: PackedDatagrams };
