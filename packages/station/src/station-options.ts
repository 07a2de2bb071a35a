import type { Logger, MetricsRegistry } from '@beckon/ops';
import type { CredentialStore } from '@beckon/sip';
import type { SqliteSynchronous } from '@beckon/store';
import type { StationServicesOptions } from './station-services.js';

/** What the station is built from besides its configuration. */
export interface StationComponents {
  readonly log: Logger;
  readonly metrics: MetricsRegistry;
}

/**
 * Knobs that are not (yet) part of the configuration schema: for tests, benchmarks and embedding.
 * The CLI passes none of them.
 */
export interface StationOptions {
  /** Replaces the credential store built from `auth.users` (e.g. a generated store for benchmarks). */
  readonly credentials?: CredentialStore;
  /**
   * With `credentials`: the module that exports the same store, so that registrar challenge threads can
   * check responses with it (`registrar.challengeThreadsVerify`); absent, they do not check.
   */
  readonly threadCredentials?: { readonly url: string; readonly name: string };
  /** Authenticate REGISTER with digest (default true). false: test rigs and unauthenticated benchmarks. */
  readonly authenticate?: boolean;
  /** Answer REGISTER without server transactions (default true). */
  readonly statelessRegistrar?: boolean;
  /** Insert Record-Route in dialog-creating requests (default false). */
  readonly recordRoute?: boolean;
  /** Forward requests for foreign domains (default false). */
  readonly openRelay?: boolean;
  /** Accept REGISTER for any domain (default false). */
  readonly acceptAnyDomain?: boolean;
  /** Domains served besides `sip.domain` (e.g. the listener's IP address for softphones). */
  readonly extraDomains?: readonly string[];
  /** SQLite synchronous level (default: the store's, 'normal': durable against process crashes). */
  readonly sqliteSynchronous?: SqliteSynchronous;
  /** Group-commit gathering delay of the location store, ms (default 0: one transaction per event-loop turn). */
  readonly storeCommitDelayMs?: number;
  /** WAL pages after which SQLite checkpoints inside a commit (default SQLite's 1000; 0 = never). */
  readonly sqliteWalAutocheckpointPages?: number;
  /**
   * Start the station's services (notifier, management service, call-home listener, SNMP agent, HTTP API)
   * in `start`, before the SIP listeners open (absent: the SIP core only; `startStationWithServices` and
   * `beckon station` set it).
   */
  readonly services?: StationServicesOptions;
}
