import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, type BeckonConfig } from '@beckon/config';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { SipEndpoint, TransportLayer, type SendTarget } from '@beckon/sip';
import { startStationWithServices, StationServicesState, type RunningStation } from '../../src/index.js';

/**
 * StationServices in one process: the SUBSCRIBE dispatch between the notifier and the proxy, the REST
 * validation of management requests, and the stop order (the services stop before the SIP core).
 */
void describe('StationServices (in process)', () => {
  let running: RunningStation | undefined;
  let ua: SipEndpoint | undefined;
  let uaPort = 0;
  let station: SendTarget;
  let base = '';
  const metrics = new MetricsRegistry();

  before(async () => {
    const r = loadConfig({
      sets: [
        'sip.listen=[{transport: udp, host: 127.0.0.1, port: 0}]',
        'snmp.listen=[{transport: udp, host: 127.0.0.1, port: 0}]',
        'http.listen.port=0',
        'management.callHomeListen.port=0',
        'management.advertisedCallHomeAddress=192.0.2.10:4334',
        'storage.sqlitePath=:memory:',
      ],
      env: {},
    });
    assert.ok(r.ok);
    const config: BeckonConfig = r.config;
    running = await startStationWithServices(config, { log: silentLogger(), metrics });
    const a = running.services.addresses();
    const udp = a.sip[0];
    assert.ok(udp && a.http);
    station = { transport: 'udp', address: '127.0.0.1', port: udp.port };
    base = `http://127.0.0.1:${a.http.port}`;
    const transport = new TransportLayer(
      { log: silentLogger(), metrics: new MetricsRegistry() },
      { listeners: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
    );
    ua = new SipEndpoint({ log: silentLogger(), metrics: new MetricsRegistry(), transport });
    const s = await ua.start();
    assert.ok(s.ok);
    uaPort = transport.listeners()[0]?.port ?? 0;
  });

  after(async () => {
    await ua?.stop();
    await running?.stop();
  });

  function subscribe(event: string, uri: string) {
    const u = ua as SipEndpoint;
    const req = u.createRequest('SUBSCRIBE', uri, {
      from: '<sip:tester@localhost>',
      contact: `<sip:tester@127.0.0.1:${uaPort}>`,
      headers: [
        ['Event', event],
        ['Expires', '60'],
      ],
    });
    return u.request(req, station);
  }

  void it('advertises the configured call-home address', () => {
    assert.equal(running?.services.addresses().advertisedCallHome, '192.0.2.10:4334');
  });

  void it('a SUBSCRIBE of another package goes to the proxy, not to the notifier (no 489)', async () => {
    const res = await subscribe('presence', 'sip:nobody@localhost');
    assert.notEqual(res.status, 489);
    assert.ok(res.status === 404 || res.status === 480, `status ${res.status}`);
  });

  void it('a management-req SUBSCRIBE reaches the notifier (authentication is asked)', async () => {
    const res = await subscribe('management-req', 'sip:MAC%3a02BEC1000001@localhost');
    assert.equal(res.status, 401);
  });

  void it('POST /api/v1/management-requests validates its body and target', async () => {
    const post = (body: unknown) =>
      fetch(`${base}/api/v1/management-requests`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const missing = await post({});
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as { field?: string }).field, 'target');
    const proto = await post({ target: '02:be:c1:00:00:01', protocol: 'carrier-pigeon' });
    assert.equal(proto.status, 400);
    assert.equal(((await proto.json()) as { field?: string }).field, 'protocol');
    const ok = await post({ target: '02:be:c1:00:00:01' });
    assert.equal(ok.status, 201);
    const { request } = (await ok.json()) as { request: { id: string; state: string } };
    assert.equal(request.state, 'queued');
    const open = await fetch(`${base}/api/v1/management-requests?state=open`);
    const list = (await open.json()) as { requests: { id: string }[] };
    assert.ok(list.requests.some((r) => r.id === request.id));
    const missingId = await fetch(`${base}/api/v1/management-requests/nope`);
    assert.equal(missingId.status, 404);
    const health = (await (await fetch(`${base}/api/v1/health`)).json()) as Record<string, unknown>;
    assert.equal(health['services'], 'running');
    assert.equal(health['managementRequestsOpen'], 1);
  });

  void it('stop stops the services before the SIP core', async () => {
    const r = running as RunningStation;
    await r.stop();
    assert.equal(r.services.state, StationServicesState.Stopped);
    running = undefined;
  });
});
