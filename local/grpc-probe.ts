/**
 * A minimal unary gRPC call over cleartext HTTP/2, enough to ask an emulator a real question
 * (list tables, list topics) before declaring it ready, without loading a whole client library.
 */
import {connect} from 'node:http2';

/** Protobuf encoding of a message whose only field is string field 1 (`parent`, `project`). */
function stringField1(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > 127) throw new Error('probe argument too long');
  return Buffer.concat([Buffer.from([0x0a, bytes.length]), bytes]);
}

/** Resolves with the call's grpc-status (0 = OK); rejects on transport errors or timeout. */
export function grpcUnaryStatus(
  address: string,
  method: string,
  field1: string,
  timeoutMs = 2000,
): Promise<number> {
  const message = stringField1(field1);
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return new Promise((resolve, reject) => {
    const session = connect(`http://${address}`);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`${method}: no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (error: Error | null, status?: number) => {
      clearTimeout(timer);
      session.close();
      if (error) reject(error);
      else resolve(status ?? -1);
    };
    session.once('error', error => finish(error));
    const request = session.request({
      ':method': 'POST',
      ':path': method,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let status: number | undefined;
    request.on('response', headers => {
      // A trailers-only answer (typical of errors) carries grpc-status in the headers.
      if (headers['grpc-status'] !== undefined)
        status = Number(headers['grpc-status']);
    });
    request.on('trailers', trailers => {
      if (trailers['grpc-status'] !== undefined)
        status = Number(trailers['grpc-status']);
    });
    request.on('data', () => undefined);
    request.once('error', error => finish(error));
    request.once('end', () => finish(null, status));
    request.end(frame);
  });
}
