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
  let failed = false;
  stream.once('error', () => {
    failed = true;
  });
  stream.once('close', () => {
    if (failed) return fs.rmSync(temporary, { force: true });
    fs.renameSync(temporary, target);
  });
  return stream;
};
