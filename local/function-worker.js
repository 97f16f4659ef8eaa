/**
 * One Lambda execution environment: a child process forked by function-runner.ts with the
 * function's own environment. It loads the bundled handler once (the "init" phase) and runs one
 * invocation at a time, answering over the IPC channel. Plain JavaScript so a fresh environment
 * starts in milliseconds (no TypeScript compiler in the child).
 *
 * Parent -> child: { type: 'invoke', id, handlerFile, handlerName, event, context: {...fields, deadlineMs}, traceHeader? }
 * Child -> parent: { type: 'result', id, ok: true, payload } | { type: 'result', id, ok: false, errorType, errorMessage, stackTrace }
 */

const Module = require('node:module');
const path = require('node:path');

/**
 * Module resolution as in Lambda: bare imports of the handler bundle resolve inside the asset
 * (LAMBDA_TASK_ROOT) or, for `@aws-sdk/*`, from the SDK the nodejs runtime provides (here: the
 * project's node_modules, passed as argv[2]). Anything else missing from the bundle fails here as
 * it would in AWS, instead of being silently found in the project's node_modules.
 */
const taskRoot = process.env.LAMBDA_TASK_ROOT;
const providedSdkBase = process.argv[2];
const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolveLikeLambda(request, parent, isMain, options) {
  const fromBundle = taskRoot && parent?.filename?.startsWith(taskRoot + path.sep);
  const bare = !request.startsWith('.') && !path.isAbsolute(request) && !Module.isBuiltin(request);
  if (!fromBundle || !bare) return originalResolve.call(this, request, parent, isMain, options);
  if (request.startsWith('@aws-sdk/') && providedSdkBase) {
    return originalResolve.call(this, request, parent, isMain, { paths: [providedSdkBase] });
  }
  const resolved = originalResolve.call(this, request, parent, isMain, options);
  if (!resolved.startsWith(taskRoot + path.sep)) {
    const error = new Error(
      `Cannot find module '${request}' in the function bundle (the Lambda runtime provides only @aws-sdk/*)`,
    );
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolved;
};

let handler;
let current; // id of the invocation in flight

function errorFields(error, fallbackType) {
  if (error instanceof Error) {
    return {
      errorType: error.name && error.name !== 'Error' ? error.name : fallbackType || 'Error',
      errorMessage: error.message,
      stackTrace: String(error.stack || '')
        .split('\n')
        .slice(1)
        .map((line) => line.trim()),
    };
  }
  return {
    errorType: fallbackType || 'Error',
    errorMessage: typeof error === 'string' ? error : JSON.stringify(error),
    stackTrace: [],
  };
}

function reply(id, message) {
  if (current !== id) return; // already answered (callback + promise, or a late callback)
  current = undefined;
  process.send({ type: 'result', id, ...message });
}

function loadHandler(handlerFile, handlerName) {
  if (handler) return handler;
  let mod;
  try {
    mod = require(handlerFile);
  } catch (error) {
    const fields = errorFields(error);
    if (error && error.code === 'MODULE_NOT_FOUND') fields.errorType = 'Runtime.ImportModuleError';
    throw Object.assign(new Error(fields.errorMessage), { lambdaFields: fields });
  }
  const fn = handlerName.split('.').reduce((value, key) => (value == null ? undefined : value[key]), mod);
  if (typeof fn !== 'function') {
    const message = `${handlerFile}: export '${handlerName}' is undefined or not a function`;
    throw Object.assign(new Error(message), {
      lambdaFields: { errorType: 'Runtime.HandlerNotFound', errorMessage: message, stackTrace: [] },
    });
  }
  handler = fn;
  return handler;
}

function buildContext(fields, id) {
  const { deadlineMs, ...rest } = fields;
  const context = {
    ...rest,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: (error, result) =>
      error ? reply(id, { ok: false, ...errorFields(error) }) : reply(id, { ok: true, payload: result ?? null }),
    fail: (error) => reply(id, { ok: false, ...errorFields(error) }),
    succeed: (result) => reply(id, { ok: true, payload: result ?? null }),
  };
  return context;
}

process.on('message', (message) => {
  if (message?.type !== 'invoke') return;
  const { id } = message;
  current = id;
  // As Lambda's runtime does per invocation: the X-Ray SDK reads the trace of this invocation here.
  if (message.traceHeader) process.env._X_AMZN_TRACE_ID = message.traceHeader;
  else delete process.env._X_AMZN_TRACE_ID;
  let fn;
  try {
    fn = loadHandler(message.handlerFile, message.handlerName);
  } catch (error) {
    reply(id, { ok: false, ...(error.lambdaFields || errorFields(error)) });
    // A failed init leaves no usable environment: the parent starts a fresh one next time.
    setImmediate(() => process.exit(1));
    return;
  }
  const context = buildContext(message.context, id);
  const callback = (error, result) =>
    error ? reply(id, { ok: false, ...errorFields(error) }) : reply(id, { ok: true, payload: result ?? null });
  try {
    const returned = fn(message.event, context, callback);
    if (returned && typeof returned.then === 'function') {
      returned.then(
        (result) => reply(id, { ok: true, payload: result ?? null }),
        (error) => reply(id, { ok: false, ...errorFields(error) }),
      );
    }
  } catch (error) {
    reply(id, { ok: false, ...errorFields(error) });
  }
});

process.on('uncaughtException', (error) => {
  if (current !== undefined) reply(current, { ok: false, ...errorFields(error, 'Runtime.UncaughtException') });
  else console.error(error);
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  if (current !== undefined) reply(current, { ok: false, ...errorFields(reason, 'Runtime.UnhandledPromiseRejection') });
  else console.error(reason);
  process.exit(1);
});
process.on('disconnect', () => process.exit(0));
