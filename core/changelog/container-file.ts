import { streams } from 'avsc';
import { CHANGE_RECORD_TYPE, type ChangeRecord } from './change-record';

/**
 * An AVRO object container file of change records: the template's schema in the header, deflate
 * blocks. Any AVRO reader (BigQuery external tables, avro-tools, Spark) reads the archive as is.
 * The sync marker is given, so the same records with the same marker make the same bytes.
 */
export function encodeContainer(records: readonly ChangeRecord[], syncMarker: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const encoder = new streams.BlockEncoder(CHANGE_RECORD_TYPE, { codec: 'deflate', syncMarker });
    const chunks: Buffer[] = [];
    encoder.on('data', (chunk: Buffer) => chunks.push(chunk));
    encoder.once('error', reject);
    encoder.once('end', () => resolve(Buffer.concat(chunks)));
    for (const record of records) encoder.write(record);
    encoder.end();
  });
}

export class ContainerFileError extends Error {
  readonly code = 'CHANGELOG_CONTAINER_INVALID';
}

/** The records of one container file, read with the schema in its own header. */
export function decodeContainer(data: Buffer, name: string): Promise<ChangeRecord[]> {
  return new Promise((resolve, reject) => {
    const decoder = new streams.BlockDecoder({ readerSchema: CHANGE_RECORD_TYPE });
    const records: ChangeRecord[] = [];
    decoder.on('data', (record: ChangeRecord) => records.push(record));
    decoder.once('error', (error: Error) => reject(new ContainerFileError(`${name}: ${error.message}`)));
    decoder.once('end', () => resolve(records));
    decoder.end(data);
  });
}
