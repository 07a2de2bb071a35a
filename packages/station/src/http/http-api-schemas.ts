import { Type, type Static } from '@sinclair/typebox';

/** Query-string and parameter schemas of the REST API (validated by fastify's Ajv before a handler runs). */

/** 'sip:user@domain' (the AOR form the location service keys on). */
const Aor = Type.String({ minLength: 5, maxLength: 512, pattern: '^sips?:[^\\s@]+@[^\\s@]+$' });
/** An instrument identifier (MAC, URN or provisioning token, seed 002). */
const InstrumentId = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\s/]+$' });

export const BindingsQuery = Type.Object(
  {
    aor: Type.Optional(Aor),
    instrument: Type.Optional(InstrumentId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 500 })),
    /** First sipServerRegUserIndex to list (paging through every binding). */
    afterUserIndex: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type BindingsQuery = Static<typeof BindingsQuery>;

export const InstrumentsQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 })) },
  { additionalProperties: false },
);
export type InstrumentsQuery = Static<typeof InstrumentsQuery>;

export const InstrumentParams = Type.Object({ id: InstrumentId }, { additionalProperties: false });
export type InstrumentParams = Static<typeof InstrumentParams>;

export const NoQuery = Type.Object({}, { additionalProperties: false });

/** Every error answer: what went wrong, and which input field (when one is to blame). */
export const ApiError = Type.Object({ error: Type.String(), field: Type.Optional(Type.String()) });
export type ApiError = Static<typeof ApiError>;
