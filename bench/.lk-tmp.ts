import { SqliteDatabase } from '@beckon/store';
import { LocationService, SqliteLocationStore } from '../packages/station/src/location/index.js';
const db = new SqliteDatabase({}, { path: ':memory:' });
const o = SqliteLocationStore.open({ db }); if (!o.ok) throw 1;
const svc = new LocationService({ store: o.store }); await svc.start();
const N=100000, NOW=Date.now();
await Promise.all(Array.from({length:N},(_,j)=>{const aor=`sip:user${j}@example.net`; return svc.applyRegister(aor,{callId:'c',cseq:1,add:[{aor,contact:`sip:u${j}@1.2.3.4`,callId:'c',cseq:1,expiresAt:NOW+3600000,receivedAt:NOW}]});}));
const aors = Array.from({ length: 4096 }, (_, i) => `sip:user${(i * 7919) % N}@example.net`);
const m = new Map(aors.map(a=>[a,1]));
let sink=0; const L=5_000_000;
for (let r=0;r<1;r++){
let t0=process.hrtime.bigint(); for (let i=0;i<L;i++) sink+=svc.lookup(aors[i&4095]!).length; let s=Number(process.hrtime.bigint()-t0)/1e9; console.log('lookup',Math.round(L/s));
t0=process.hrtime.bigint(); for (let i=0;i<L;i++) sink+=m.get(aors[i&4095]!)!; s=Number(process.hrtime.bigint()-t0)/1e9; console.log('map',Math.round(L/s));
t0=process.hrtime.bigint(); for (let i=0;i<L;i++) sink+=Date.now()&1; s=Number(process.hrtime.bigint()-t0)/1e9; console.log('date.now',Math.round(L/s));
}
console.log(sink);
