// Preloaded (`node --require`) into kinesis-mock, which has no bind-address setting and
// would otherwise listen on every interface: pins its listeners to the loopback address.
const net = require('node:net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (typeof args[0] === 'object' && args[0] !== null && !Array.isArray(args[0])) {
    args[0] = { ...args[0], host: '127.0.0.1' };
  } else if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    const [port, maybeHost, ...rest] = args;
    args =
      typeof maybeHost === 'string'
        ? [port, '127.0.0.1', ...rest]
        : [port, '127.0.0.1', maybeHost, ...rest].filter((a) => a !== undefined);
  }
  return listen.apply(this, args);
};
