import type { CounterDelta } from '@beckon/ops';
import type { DigestServerAlgorithm } from '@beckon/sip';
import type { RegisterChanges, RegisterOutcome } from '../../location/index.js';
import type { RegistrarInit } from '../registrar.js';

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
  readonly logLevel: string;
  /** How often counter growth is reported to the main thread, ms. */
  readonly reportIntervalMs: number;
  /**
   * Also process REGISTERs that change bindings and carry no credentials (registrar.threadsProcessRegister):
   * parse, check and answer them here; only the location change itself is made by the main thread.
   */
  readonly processRegister: boolean;
  /** Whether REGISTER is authenticated (digest); without it a thread never answers a 401. */
  readonly authenticate: boolean;
}

/** A location change asked of the main thread (RegisterThreadWork). */
export interface ApplyRequest {
  readonly id: number;
  readonly aor: string;
  readonly changes: RegisterChanges;
}

export interface ApplyResult {
  readonly id: number;
  readonly outcome: RegisterOutcome;
}

/** Thread -> main. */
export type ChallengeThreadMessage =
  | { readonly t: 'ready' }
  | { readonly t: 'failed'; readonly message: string }
  /**
   * Datagrams this thread does not answer, in arrival order: the main thread handles each as if it had
   * read it. Batched per event-loop turn of the thread (one message for everything read in one turn).
   */
  | { readonly t: 'datagrams'; readonly items: readonly HandedOver[] }
  | { readonly t: 'counters'; readonly deltas: readonly CounterDelta[] }
  /** Location changes, batched per turn; answered by one 'applied' message per main-thread turn. */
  | { readonly t: 'apply'; readonly items: readonly ApplyRequest[] };

export interface HandedOver {
  readonly data: Uint8Array;
  readonly address: string;
  readonly port: number;
}

/** Main -> thread. */
export type ChallengeThreadCommand =
  { readonly t: 'report' } | { readonly t: 'applied'; readonly items: readonly ApplyResult[] };
