import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * The call-home TCP topology in one process: the station listens, the device connects. Resolves with
 * both ends of the TCP connection (device side = the connecting socket).
 */
export async function callHomeTcp(): Promise<{
  device: Socket;
  station: Socket;
  server: Server;
  close(): Promise<void>;
}> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const device = connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => {
    device.once('connect', () => r());
    device.once('error', j);
  });
  const station = await accepted;
  return {
    device,
    station,
    server,
    close: async () => {
      device.destroy();
      station.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
