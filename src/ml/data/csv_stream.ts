/**
 * A CSV body read as a stream into a ColumnTable: the text is cut after the last complete record
 * (a line break outside quotes) and parsed a slice at a time, so only the columns' floats and
 * one slice of text are held, never the file.
 */
import { StringDecoder } from 'node:string_decoder';
import { InvalidInputError } from '../types';
import { RecordReader } from './csv';
import { TableBuilder, type ColumnTable, type TableOptions } from './table';

const FIELD = 'csv';
/** Text parsed at once (a slice ends at a record's end, so it may be longer). */
const SLICE_CHARS = 1 << 20;
/** The longest record we wait for: longer means an unterminated quote, not data. */
const MAX_RECORD_CHARS = 64 << 20;

/** Where the last record that is complete in `text` ends (after its line break), or 0. */
function lastRecordEnd(text: string): number {
  let quotes = 0;
  for (let q = text.indexOf('"'); q >= 0; q = text.indexOf('"', q + 1)) quotes++;
  // Walk back over line breaks: one with an even number of quotes before it is outside quotes.
  for (let nl = text.lastIndexOf('\n'); nl >= 0; nl = text.lastIndexOf('\n', nl - 1)) {
    let after = 0;
    for (let q = text.indexOf('"', nl); q >= 0; q = text.indexOf('"', q + 1)) after++;
    if ((quotes - after) % 2 === 0) return nl + 1;
    if (nl === 0) break;
  }
  return 0;
}

function countLineBreaks(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Parses a UTF-8 CSV (header row, then records) from a stream of chunks; errors as parseCsv's. */
export async function readCsvStream(source: AsyncIterable<Uint8Array | string> | Iterable<string>, opts: TableOptions): Promise<ColumnTable> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let line = 1;
  let builder: TableBuilder | null = null;
  let started = false;

  const parse = (text: string): void => {
    const reader = new RecordReader(text, line);
    for (let record = reader.next(); record !== null; record = reader.next()) {
      if (builder === null) builder = new TableBuilder(record.map((name) => name.trim()), opts, FIELD);
      else builder.addRecord(record, reader.recordLine);
    }
    line += countLineBreaks(text);
  };

  for await (const chunk of source) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    if (!started && text.length > 0) {
      started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.includes('\u0000')) throw new InvalidInputError(FIELD, 'must not contain a NUL character (\\u0000)');
    pending += text;
    if (pending.length < SLICE_CHARS) continue;
    const end = lastRecordEnd(pending);
    if (end === 0) {
      if (pending.length > MAX_RECORD_CHARS) throw new InvalidInputError(FIELD, `line ${line}: a record longer than ${MAX_RECORD_CHARS} characters (an unterminated quoted field?)`);
      continue;
    }
    parse(pending.slice(0, end));
    pending = pending.slice(end);
  }
  pending += decoder.end();
  if (pending.includes('\u0000')) throw new InvalidInputError(FIELD, 'must not contain a NUL character (\\u0000)');
  parse(pending);
  if (builder === null) throw new InvalidInputError(FIELD, started ? 'the CSV text has no header row' : 'the CSV text is empty');
  return (builder as TableBuilder).finish();
}
