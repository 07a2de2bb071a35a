// Wire formats of the management-req event package (seed 000), shared by the station and the device.
export * from './mgmt-protos-list.js';
export * from './call-home-hello.js';
