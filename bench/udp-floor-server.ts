// The floor of any Node.js REGISTER server on this host: a "null registrar" that answers SIPp's reg.xml /
// reg_auth.xml over UDP with the fewest operations Node allows - one dgram socket on the event loop, the
// Via, From, To, Call-ID and CSeq lines copied as bytes, a fixed nonce, no parsing beyond finding line
// starts, no digest check, no location service, no store. It is not a registrar (it accepts anything); it
// measures what receiving and answering the datagrams costs in Node.js alone, so that a registrar's CPU per
// 1,000 registrations can be compared with it and with Kamailio's in the same run.
//   node --import tsx bench/udp-floor-server.ts [--port 5086] [--auth]
// Prints READY <pid>; run the load with ../shared/reference/kamailio-bench/bench-target.sh (TARGET_PID).
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '5086' }, auth: { type: 'boolean', default: false } },
});
// With --auth, a REGISTER without an Authorization header gets the 401 (reg_auth.xml); without, a 200.
const CHALLENGES = values.auth;

const CRLF = 0x0a;
const COPIED = ['via', 'from', 'to', 'call-id', 'cseq'];
const CHALLENGE = Buffer.from(
  'WWW-Authenticate: Digest realm="bench.local", nonce="floor0000000000000000000000000000000000000", algorithm=MD5, qop="auth"\r\n',
);
const OK_TAIL = Buffer.from('Expires: 3600\r\nContent-Length: 0\r\n\r\n');
const END = Buffer.from('Content-Length: 0\r\n\r\n');
const STATUS_401 = Buffer.from('SIP/2.0 401 Unauthorized\r\n');
const STATUS_200 = Buffer.from('SIP/2.0 200 OK\r\n');

/** True when the line starting at `s` begins with `name` followed by optional spaces and a colon. */
function lineIs(data: Buffer, s: number, name: string): boolean {
  for (let k = 0; k < name.length; k++)
    if (((data[s + k] as number) | 0x20) !== name.charCodeAt(k)) return false;
  let j = s + name.length;
  while (data[j] === 0x20) j++;
  return data[j] === 0x3a;
}

const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
socket.on('message', (data, rinfo) => {
  const parts: Buffer[] = [];
  let authorized = false;
  let i = data.indexOf(CRLF);
  while (i !== -1 && i + 1 < data.length) {
    const s = i + 1;
    if (data[s] === 0x0d) break;
    i = data.indexOf(CRLF, s);
    const e = i === -1 ? data.length : i + 1;
    if (lineIs(data, s, 'authorization')) authorized = true;
    else for (const n of COPIED) if (lineIs(data, s, n)) parts.push(data.subarray(s, e));
  }
  const out =
    authorized || !CHALLENGES
      ? Buffer.concat([STATUS_200, ...parts, OK_TAIL])
      : Buffer.concat([STATUS_401, ...parts, CHALLENGE, END]);
  socket.send(out, rinfo.port, rinfo.address);
});
socket.bind(Number(values.port), '127.0.0.1', () => process.stdout.write(`READY ${process.pid}\n`));
process.on('SIGTERM', () => socket.close(() => process.exit(0)));
