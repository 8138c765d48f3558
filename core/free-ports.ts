import {connect} from 'node:net';
import getPort from 'get-port';

/**
 * `count` distinct free loopback ports. get-port asks the kernel for one (bind to port 0) and
 * keeps each it returned out of later answers of this process for a while, so one call (or two
 * close together) never returns the same port twice.
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++)
    ports.push(await getPort({host: '127.0.0.1', exclude: ports}));
  return ports;
}

/**
 * True when something accepts TCP connections on 127.0.0.1:port. (get-port answers the opposite
 * question, whether a port can be bound; a readiness probe needs a connect.)
 */
export function isPortOpen(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect({host: '127.0.0.1', port});
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
