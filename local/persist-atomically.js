// Preloaded (`node --require`) into kinesis-mock, which rewrites its data file in place
// (truncate, then write): a kill during that write would leave a truncated file that it then
// refuses to load, losing the whole stream. Here the file is written to a temporary name and
// renamed over the old one once closed, so the data file is always a whole snapshot.
const fs = require('node:fs');
const path = require('node:path');

const target = path.resolve(process.env.PERSIST_PATH || 'data', process.env.PERSIST_FILE_NAME || 'kinesis-data.json');
const createWriteStream = fs.createWriteStream;
let counter = 0;
fs.createWriteStream = function createWriteStreamAtomically(file, options) {
  if (typeof file !== 'string' || path.resolve(file) !== target) return createWriteStream.call(this, file, options);
  const temporary = `${target}.${process.pid}.${++counter}.tmp`;
  const stream = createWriteStream.call(this, temporary, options);
  // kinesis-mock (fs2) removes every listener once the stream is ready: watch emit() instead
  const emit = stream.emit;
  let failed = false;
  stream.emit = function watchClose(event, ...args) {
    if (event === 'error') failed = true;
    if (event === 'close') {
      if (failed) fs.rmSync(temporary, { force: true });
      else fs.renameSync(temporary, target);
    }
    return emit.call(this, event, ...args);
  };
  return stream;
};
