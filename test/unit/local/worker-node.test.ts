import { resolveWorkerNode, runtimeNodeMajor, type WorkerNode, workerNodeWarning } from '../../../local/worker-node';

const node = (version: string, source: WorkerNode['source']): WorkerNode => ({ path: '/x/node', version, source });

describe('the Node of the function workers', () => {
  test("the runtime's Node major comes from the template's Runtime", () => {
    expect(runtimeNodeMajor('nodejs22.x')).toBe(22);
    expect(runtimeNodeMajor('nodejs20.x')).toBe(20);
    expect(runtimeNodeMajor('python3.12')).toBeUndefined();
  });

  test("no warning when the workers' major is the runtime's", () => {
    expect(workerNodeWarning(node('22.23.5', 'package'), ['nodejs22.x', 'nodejs22.x'])).toBeUndefined();
    expect(workerNodeWarning(node('20.20.2', 'machine'), ['python3.12'])).toBeUndefined();
  });

  test("one warning line on the machine's Node, saying how to get the runtime's", () => {
    const warning = workerNodeWarning(node('20.20.2', 'machine'), ['nodejs22.x', 'nodejs22.x']);
    expect(warning).toBe(
      "[local] warning: functions run on the machine's Node v20.20.2, their runtime is nodejs22.x; " +
        '`npm run setup:function-node` installs Node 22 for them',
    );
    expect(warning).not.toContain('\n');
  });

  test('ORDERSTREAM_FUNCTION_NODE picks the binary (its version is asked), and a missing file is refused', () => {
    expect(resolveWorkerNode({ ORDERSTREAM_FUNCTION_NODE: process.execPath })).toEqual({
      path: process.execPath,
      version: process.versions.node,
      source: 'ORDERSTREAM_FUNCTION_NODE',
    });
    expect(() => resolveWorkerNode({ ORDERSTREAM_FUNCTION_NODE: '/nope/node' })).toThrow(
      'ORDERSTREAM_FUNCTION_NODE=/nope/node: no such file',
    );
  });
});
