import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocationService } from '../../src/location/index.js';
import { LocationRegistrarSource } from '../../src/snmp/index.js';
import { MemoryLocationStore } from './helpers/memory-location-store.js';
import { populateLocation } from './helpers/populate-location.js';

void test('LocationRegistrarSource walks users and contacts in index order, live', async () => {
  const location = new LocationService({ store: new MemoryLocationStore() });
  await location.start();
  try {
    await populateLocation(location, 5, { perUser: 2, concurrency: 1 });
    const src = new LocationRegistrarSource(location, {
      maxExpires: 7200,
      defaultExpires: 3600,
      upTime: () => 1000,
    });
    assert.equal(src.currentUsers(), 5);
    assert.equal(src.maxContactExpiryDuration(), 7200);
    const users: string[] = [];
    for (let u = src.userAfter(undefined); u; u = src.userAfter(u.userIndex))
      users.push(`${u.userIndex}:${u.uri}`);
    assert.deepEqual(users, [
      '1:u0000000@example.net',
      '2:u0000001@example.net',
      '3:u0000002@example.net',
      '4:u0000003@example.net',
      '5:u0000004@example.net',
    ]);
    const contacts: string[] = [];
    for (let c = src.contactAfter(undefined, undefined); c; c = src.contactAfter(c.userIndex, c.contactIndex))
      contacts.push(`${c.userIndex}.${c.contactIndex} q=${c.preference}`);
    assert.equal(contacts.length, 10);
    assert.deepEqual(contacts.slice(0, 3), ['1.1 q=1.0', '1.2 q=0.5', '2.3 q=1.0']);
    // contactAfter(u, undefined): the first contact of u
    assert.equal(src.contactAfter(3, undefined)?.contactIndex, 5);
    const one = src.getContact(2, 4);
    assert.ok(one);
    assert.equal(one.displayName, 'User 1');
    assert.match(one.uri, /^sip:u0000001@127\.0\.0\.1:5061/);
    // received just now: the TimeStamp is (about) sysUpTime now
    assert.ok(one.lastUpdated > 900 && one.lastUpdated <= 1000);
    assert.equal(src.getContact(2, 5), undefined);
    assert.equal(src.getUser(9), undefined);
    // live: a removed AOR disappears from the walk at once
    const r = await location.applyRegister('sip:u0000001@example.net', {
      callId: 'populate-1',
      cseq: 2,
      removeAll: true,
    });
    assert.ok(r.ok);
    assert.equal(src.userAfter(1)?.userIndex, 3);
    assert.equal(src.contactAfter(1, 2)?.userIndex, 3);
  } finally {
    await location.stop();
  }
});
