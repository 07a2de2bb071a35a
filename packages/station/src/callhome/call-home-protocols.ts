import { ManagementProtocolRegistry } from '../management/management-protocol-registry.js';

/**
 * The management protocols of SNMP call-home. All three ride a plain TCP connection to the call-home
 * listener: the hello is sent in clear, then the device starts the *server* side of TLS (snmp-tls) or
 * SSH (snmp-ssh) on that connection and the station the client side (RFC 8071 §3.1 roles). That is why
 * snmp-tls uses the `tcp` carrier here: a TLS carrier would put the station in the TLS server role,
 * the opposite of RFC 6353 call-home. snmp-tcp (RFC 3430) is only offered when enabled (labs).
 */
export function callHomeProtocolRegistry(opts: { snmpTcp?: boolean } = {}): ManagementProtocolRegistry {
  const r = new ManagementProtocolRegistry();
  r.register({ token: 'snmp-tls', carrier: 'tcp' });
  r.register({ token: 'snmp-ssh', carrier: 'tcp' });
  if (opts.snmpTcp) r.register({ token: 'snmp-tcp', carrier: 'tcp' });
  return r;
}
