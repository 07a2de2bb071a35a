/** Typed decoding/encoding failures; every codec entry point returns these as values. */
export type BerErrorCode =
  | 'truncated'
  | 'unexpectedTag'
  | 'indefiniteLength'
  | 'lengthTooLong'
  | 'lengthOverrun'
  | 'trailingBytes'
  | 'badInteger'
  | 'integerRange'
  | 'badNull'
  | 'badOid'
  | 'oidArcTooLarge'
  | 'badIpAddress'
  | 'badValue';

export interface BerError {
  code: BerErrorCode;
  /** Byte offset where the problem was found. */
  offset: number;
  detail?: string;
}

export type BerResult<T> = { ok: true; value: T } | { ok: false; error: BerError };
