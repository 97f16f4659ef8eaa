// Runs one emulator and ties its life to the runner's. The runner forks this script in its
// own process group (so a terminal's Ctrl-C reaches only the runner, which then drains and
// stops things in order) with an IPC channel: when that channel closes — the runner exited,
// even by SIGKILL — the emulator is killed. SIGTERM is forwarded for a graceful stop.
const { spawn } = require('node:child_process');

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: 'inherit' });
const kill = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
process.on('disconnect', () => kill('SIGKILL'));
process.on('SIGTERM', () => kill('SIGTERM'));
process.on('SIGINT', () => kill('SIGTERM'));
child.on('error', (error) => {
  console.error(`cannot start ${command}: ${error.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGTERM' ? 0 : 1)));
