import {deflateRawSync} from 'node:zlib';
import {streams, Type} from 'avsc';
import {CHANGE_RECORD_TYPE, type ChangeRecord} from './change-record';

/**
 * An AVRO object container file of change records (AVRO 1.x spec, "Object Container Files"): the
 * template's schema in the header, then blocks of records, deflate-compressed. Any AVRO reader
 * (BigQuery external tables, avro-tools, Spark) reads the archive as is.
 *
 * The blocks are the records' BINARY encodings as the messages carried them, concatenated: the
 * archiver checks each record by decoding it, but never encodes it again. With the sync marker
 * given, the same records make the same bytes.
 */
const HEADER_TYPE = Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    {name: 'magic', type: {type: 'fixed', name: 'Magic', size: 4}},
    {name: 'meta', type: {type: 'map', values: 'bytes'}},
    {name: 'sync', type: {type: 'fixed', name: 'Sync', size: 16}},
  ],
});
const LONG = Type.forSchema('long');
const MAGIC = Buffer.from('Obj\u0001', 'latin1');
const SCHEMA_TEXT = Buffer.from(JSON.stringify(CHANGE_RECORD_TYPE.schema()));
/** Records per block: a block is compressed and read as one piece. */
const BLOCK_RECORDS = 1000;

export function encodeContainer(
  encodedRecords: readonly Buffer[],
  syncMarker: Buffer,
): Buffer {
  const parts: Buffer[] = [
    HEADER_TYPE.toBuffer({
      magic: MAGIC,
      meta: {'avro.schema': SCHEMA_TEXT, 'avro.codec': Buffer.from('deflate')},
      sync: syncMarker,
    }),
  ];
  for (let i = 0; i < encodedRecords.length; i += BLOCK_RECORDS) {
    const block = encodedRecords.slice(i, i + BLOCK_RECORDS);
    const compressed = deflateRawSync(Buffer.concat(block), {level: 1});
    parts.push(
      LONG.toBuffer(block.length),
      LONG.toBuffer(compressed.length),
      compressed,
      syncMarker,
    );
  }
  return Buffer.concat(parts);
}

export class ContainerFileError extends Error {
  readonly code = 'CHANGELOG_CONTAINER_INVALID';
}

/** The records of one container file, read with the schema in its own header. */
export function decodeContainer(
  data: Buffer,
  name: string,
): Promise<ChangeRecord[]> {
  return new Promise((resolve, reject) => {
    const decoder = new streams.BlockDecoder({
      readerSchema: CHANGE_RECORD_TYPE,
    });
    const records: ChangeRecord[] = [];
    decoder.on('data', (record: ChangeRecord) => records.push(record));
    decoder.once('error', (error: Error) =>
      reject(new ContainerFileError(`${name}: ${error.message}`)),
    );
    decoder.once('end', () => resolve(records));
    decoder.end(data);
  });
}
