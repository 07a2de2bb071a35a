import type { Registrar } from '../registrar.js';
import type { QuickRegisterScanner } from '../quick-register.js';
import { encodeScannedRegister } from './scanned-register-codec.js';

/**
 * What a challenge thread hands over with an authenticated REGISTER (the main thread's quick path would
 * take it): the record of the request as `scanner` reads it and of its response as `registrar` verifies it
 * (`Registrar.verifyResponse`), or undefined when either refuses (the datagram is then handed over alone,
 * and the main thread reads and verifies it in full).
 */
export function verifiedRecord(
  scanner: QuickRegisterScanner,
  registrar: Registrar,
  data: Buffer,
  address: string,
  port: number,
): string | undefined {
  const q = scanner.scan(data, address, port);
  const authorization = q?.headers.get('authorization');
  if (q === undefined || authorization === undefined) return undefined;
  const v = registrar.verifyResponse(authorization);
  return v === undefined ? undefined : encodeScannedRegister(q, v);
}
