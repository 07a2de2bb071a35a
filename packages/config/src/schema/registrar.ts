import { Type, type Static } from '@sinclair/typebox';

export const RegistrarSection = Type.Object(
  {
    minExpires: Type.Integer({
      minimum: 1,
      maximum: 86400,
      default: 60,
      description:
        'Shortest registration accepted (s); shorter ones get 423 Interval Too Brief with Min-Expires.',
      'x-reason':
        'RFC 3261 §10.3 step 7 allows a minimum; 60 s stops refresh storms while allowing quick NAT refresh.',
    }),
    maxExpires: Type.Integer({
      minimum: 60,
      maximum: 2147483647,
      default: 86400,
      description: 'Longest registration granted (s); longer requests are shortened to this.',
      'x-reason': 'One day: stale bindings of vanished devices disappear within a day.',
    }),
    defaultExpires: Type.Integer({
      minimum: 1,
      maximum: 2147483647,
      default: 3600,
      description: 'Expiry used when a REGISTER carries neither an Expires header nor parameter (s).',
      'x-reason': 'RFC 3261 §10.2.1.1 suggests 3600 s as the default registration interval.',
    }),
    maxContactsPerAor: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 10,
      description: 'Most contacts bound to one address-of-record; more are refused.',
      'x-reason': 'Bounds the state one user can create while allowing several devices per user.',
    }),
    challengeThreads: Type.Integer({
      minimum: 0,
      maximum: 8,
      default: 0,
      description:
        'Worker threads that share the UDP socket and answer REGISTERs without credentials with the digest challenge (401), so that the first leg of each registration runs on another core; 0: the main thread answers everything.',
      'x-reason':
        'Off by default: one thread is plenty below a few thousand registrations per second; set 1 (or the spare cores) on a registrar facing registration storms.',
    }),
    challengeThreadsWrite: Type.Boolean({
      default: false,
      description:
        'With challenge threads: the UDP datagrams the main thread sends (the 200s of registrations, requests it forwards) are handed, one batch per event-loop turn, to the first challenge thread, which writes them to the shared socket; false: the main thread writes them itself.',
      'x-reason':
        'Off since the challenge threads hand over a record of each authenticated REGISTER (challengeThreadsVerify) and the main thread has less to do: in 9 paired station-alone runs at 12,500 and 15,000 digest registrations/s, writing its own 200s took 67.6 ms of CPU per 1,000 registrations on average against 70.4 with the thread writing (less or equal in 8 of 9 pairs), and the p99 was lower in 6 of 9 (bench/RESULTS.md). Before that record, the thread writing had taken the main thread from 70% to 65% of a core at 20,000/s. Writes are counted where they are queued; the thread counts only failures.',
    }),
    challengeThreadsVerify: Type.Boolean({
      default: true,
      description:
        'With challenge threads and digest authentication: a thread also reads each authenticated REGISTER in the common form and checks its response, with its own copy of the credential store, before handing it to the main thread with a record of the request and of the verified credentials; the main thread then neither reads the request nor parses its Authorization again, and checks only the nonce age and nonce-count (replay).',
      'x-reason':
        "The main thread is what runs out first at high digest registration rates: at 20,000/s it took 55-56% of a core with the check on the thread and 67-69% without (9 alternated station-alone runs), for 2-4 ms more CPU per 1,000 registrations in total; handing the record over as well took the main thread's share of a registration down by about a quarter again, the request being read once instead of twice (bench/RESULTS.md). The nonce-count (replay) state stays in one place, the main thread. Needs the store as data: auth.users, or a module for a store passed in code.",
    }),
    challengeThreadsMaxQueueMs: Type.Integer({
      minimum: 0,
      maximum: 60_000,
      default: 500,
      description:
        'With challenge threads: the oldest a REGISTER handed over to the main thread may be when the main thread gets to it, in ms; an older one is dropped (counted in registrar_overload_shed), and while the queue is older than half of this the threads start no new registrations (REGISTERs without credentials get no 401; registrar_challenge_thread_messages{outcome="shed"}). 0: no limit.',
      'x-reason':
        'Overload control for clients that retransmit over UDP, as phones do after T1 (500 ms): a queue older than that only collects their retransmissions. At 25,000 digest registrations/s, past what the two-core test host sustains, SIPp with its retransmissions on: 15.5% and 1.9% of registrations failed with 500 ms against 22.0% and 13.0% without a limit, the station used 28% less CPU, and second-leg retransmissions fell from 368,000 to 130,000. It never acts while the queue stays under 250 ms, so it cannot lower a sustained rate (22,500/s: no failures and the same CPU either way). Against clients that never retransmit it lowers completions (36-48% failed against 21% with SIPp -nr): set 0 there (bench/RESULTS.md).',
    }),
    instrumentPrefix: Type.String({
      minLength: 1,
      maxLength: 32,
      default: '~~in~',
      description: 'User-part prefix of instrument AORs (sip:<prefix><instrument>@domain) (seed 002).',
      'x-reason':
        'The string used by sipXecs and in seed 002; unlikely to collide with user-chosen user parts.',
    }),
    instrumentIdentification: Type.Object(
      {
        digestUsername: Type.Boolean({
          default: true,
          description: 'Take the instrument from a digest user name of the form user/instrument (seed 002).',
          'x-reason': 'Works with every device that lets the operator set the authentication user name.',
        }),
        sipInstance: Type.Boolean({
          default: true,
          description: 'Take the instrument from the +sip.instance Contact parameter (RFC 5626, seed 002).',
          'x-reason': 'Works with outbound-capable devices without any provisioning of user names.',
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'Which methods of seed 002 identify the instrument behind a registration.',
        'x-reason': 'Both on: each covers devices the other misses.',
      },
    ),
    gruu: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description:
            'Hand out GRUUs (RFC 5627): pub-gruu and temp-gruu in the 200 to a REGISTER with Supported: gruu and +sip.instance, and route requests for them to that one instance.',
          'x-reason':
            'Costs nothing for UAs that do not ask for GRUUs; those that do rely on them for transfer and conferencing.',
        }),
        key: Type.Optional(
          Type.String({
            pattern: '^[0-9a-fA-F]{64}$',
            description:
              'Key (32 bytes in hex) that seals temporary GRUUs; absent: a random key per start, so temporary GRUUs issued before a restart no longer route (UAs get new ones at their next refresh). Set it to keep them across restarts, and give every station that shares the location store the same key.',
            'x-reason': 'A secret: never shipped as a default; generated when not configured.',
          }),
        ),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'Globally routable UA URIs (RFC 5627).',
        'x-reason': 'On, with a per-start key unless one is configured.',
      },
    ),
    regEvent: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description:
            'Serve the reg event package (RFC 3680): SUBSCRIBE to an AOR or an instrument URI (~~in~TOKEN, ~~in~USER&TOKEN) and get NOTIFYs with application/reginfo+xml when its bindings change.',
          'x-reason':
            'On: it costs nothing without subscribers, and phones and operators use it to see registrations come and go.',
        }),
        watchers: Type.Array(
          Type.String({
            minLength: 1,
            maxLength: 256,
            description: 'An authentication user name (without instrument token).',
            'x-reason': 'Watchers are named by the user they authenticate as.',
          }),
          {
            maxItems: 1000,
            uniqueItems: true,
            default: [],
            description:
              'Users allowed to watch every AOR and instrument; everybody else may watch only its own AOR and the instruments (and lines) it has a line on.',
            'x-reason':
              'Empty: registration state reveals where users are, so nobody sees other users until an operator is listed (RFC 3680 §7).',
          },
        ),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'The reg event package (RFC 3680) for AORs and instruments.',
        'x-reason': 'Enabled, with the least-privilege watch rule.',
      },
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'Registrar behaviour (RFC 3261 §10) and instrument identification (seed 002).',
    'x-reason': 'RFC 3261 suggested values with bounds on per-user state.',
  },
);
export type RegistrarConfig = Static<typeof RegistrarSection>;
